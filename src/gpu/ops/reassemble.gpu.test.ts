/** Tests of translation, patch merge and extraction (reassemble.ts) vs golden reference values. */
import { describe, expect, it } from 'vitest';
import { golden } from '../../testing/fixtures';
import { Tape } from '../tape';
import type { Tensor } from '../tensor';
import { checkGradients, compare, getTestGpu, randomArray } from '../../testing/gpu';
import { extractPatches, mergePatches, translate } from './reassemble';

const tr = golden('translation');
const ra = golden('reassemble');

function complexFromReal(re: Float32Array): Float32Array {
  const z = new Float32Array(2 * re.length);
  re.forEach((v, i) => (z[2 * i] = v));
  return z;
}

describe('translation vs the reference helper.Translation (golden translation.npz, ≤ 1e-5 absolute)', () => {
  for (const c of ['impulse', 'random_nonsquare', 'beyond_edge']) {
    it(`${c}: output and image gradient`, async () => {
      const gpu = await getTestGpu();
      const img = tr(`${c}/img`);
      const off = tr(`${c}/offset`);
      const lre = tr(`${c}/loss_w_re`).data as Float32Array;
      const lim = tr(`${c}/loss_w_im`).data as Float32Array;
      const seed = new Float32Array(2 * lre.length);
      lre.forEach((v, i) => ((seed[2 * i] = v), (seed[2 * i + 1] = lim[i])));
      const { out, grad } = await gpu.tidyAsync(async () => {
        const t = gpu.tensor(img.shape, 'c64', img.data as Float32Array);
        t.requiresGrad = true;
        const tape = new Tape(gpu);
        const o = tape.run(() => translate(gpu, t, gpu.tensor([img.shape[0], 2], 'f32', off.data as Float32Array)));
        const [g] = tape.gradients(o, [t], gpu.tensor(o.shape, 'c64', seed));
        return { out: await gpu.read(o), grad: await gpu.read(g) };
      });
      expect(compare(out, tr(`${c}/out`).data as Float32Array, { atol: 1e-5 }, `${c} out`)).toBe('');
      expect(compare(grad, tr(`${c}/grad_img`).data as Float32Array, { atol: 1e-5 }, `${c} grad`)).toBe('');
    });
  }

  it('real-valued path and the zero-offset 64×64 window (reference float32 leak ≤ 3.8e-6 is within bound)', async () => {
    const gpu = await getTestGpu();
    for (const c of ['real', 'zero_offset_window64']) {
      const img = tr(`${c}/img`);
      const out = await gpu.tidyAsync(async () =>
        gpu.read(
          translate(
            gpu,
            gpu.tensor(img.shape, 'c64', complexFromReal(img.data as Float32Array)),
            gpu.tensor([img.shape[0], 2], 'f32', tr(`${c}/offset`).data as Float32Array),
          ),
        ),
      );
      const re = Array.from({ length: out.length / 2 }, (_, i) => out[2 * i]);
      expect(compare(re, tr(`${c}/out`).data as Float32Array, { atol: 1e-5 }, c)).toBe('');
      expect(Math.max(...Array.from({ length: out.length / 2 }, (_, i) => Math.abs(out[2 * i + 1])))).toBe(0);
    }
  });
});

describe('training merge and re-extraction vs the reference (golden reassemble_c4.npz, ≤ 1e-5 absolute)', () => {
  for (const c of ['n16', 'n16_wide', 'n32']) {
    it(`${c}: merged canvas, mask, extracted patches and the gradient through both`, async () => {
      const gpu = await getTestGpu();
      const patches = ra(`${c}/patches`);
      const off = ra(`${c}/offsets`);
      const M = (ra(`${c}/M`).data as Int32Array)[0];
      const [B, C, N] = patches.shape;
      const lre = ra(`${c}/loss_w_re`).data as Float32Array;
      const lim = ra(`${c}/loss_w_im`).data as Float32Array;
      const seed = new Float32Array(2 * lre.length);
      lre.forEach((v, i) => ((seed[2 * i] = v), (seed[2 * i + 1] = lim[i])));
      const r = await gpu.tidyAsync(async () => {
        const p = gpu.tensor(patches.shape, 'c64', patches.data as Float32Array);
        p.requiresGrad = true;
        const o = gpu.tensor([B, C, 2], 'f32', off.data as Float32Array);
        const tape = new Tape(gpu);
        let merged!: Tensor;
        const ex = tape.run(() => {
          merged = mergePatches(gpu, p, o, M);
          return extractPatches(gpu, merged, o, C, N);
        });
        const [g] = tape.gradients(ex, [p], gpu.tensor(ex.shape, 'c64', seed));
        return { merged: await gpu.read(merged), ex: await gpu.read(ex), g: await gpu.read(g) };
      });
      expect(compare(r.merged, ra(`${c}/merged`).data as Float32Array, { atol: 1e-5 }, 'merged')).toBe('');
      const mask = ra(`${c}/merged_mask`).data as Uint8Array;
      // Outside the reference's boolean mask the merged canvas is exactly zero.
      for (let i = 0; i < mask.length; i++)
        if (!mask[i]) expect(Math.hypot(r.merged[2 * i], r.merged[2 * i + 1])).toBe(0);
      expect(compare(r.ex, ra(`${c}/extracted`).data as Float32Array, { atol: 1e-5 }, 'extracted')).toBe('');
      expect(compare(r.g, ra(`${c}/grad_patches`).data as Float32Array, { atol: 1e-5 }, 'grad_patches')).toBe('');
    });
  }

  it('unit: ones patch N=8, zero offset, M=8 → 1/1.001 on [2:6, 2:6], 0 elsewhere', async () => {
    const gpu = await getTestGpu();
    const ones = new Float32Array(2 * 64);
    for (let i = 0; i < 64; i++) ones[2 * i] = 1;
    const m = await gpu.tidyAsync(async () =>
      gpu.read(mergePatches(gpu, gpu.tensor([1, 1, 8, 8], 'c64', ones), gpu.zeros([1, 1, 2]), 8)),
    );
    expect(compare(m, ra('unit_c1_ones_n8/merged').data as Float32Array, { atol: 1e-7 }, 'unit merged')).toBe('');
  });

  it('adjoints of translate, merge and extract equal finite differences', async () => {
    const gpu = await getTestGpu();
    const off = new Float32Array([0.3, -1.7, -2.2, 0.6, 1.1, 1.4, 0, 0]);
    const res1 = await checkGradients(
      gpu,
      ([x]) => translate(gpu, x, gpu.tensor([2, 2], 'f32', off.subarray(0, 4))),
      [{ shape: [2, 5, 6], dtype: 'c64', data: randomArray(120, 1) }],
      { samples: 10 },
    );
    expect(res1.worstRatio, res1.message).toBeLessThanOrEqual(1);
    const res2 = await checkGradients(
      gpu,
      ([p]) => mergePatches(gpu, p, gpu.tensor([1, 4, 2], 'f32', off), 12),
      [{ shape: [1, 4, 8, 8], dtype: 'c64', data: randomArray(512, 2) }],
      { samples: 12 },
    );
    expect(res2.worstRatio, res2.message).toBeLessThanOrEqual(1);
    const res3 = await checkGradients(
      gpu,
      ([cv]) => extractPatches(gpu, cv, gpu.tensor([1, 4, 2], 'f32', off), 4, 8),
      [{ shape: [1, 12, 12], dtype: 'c64', data: randomArray(288, 3) }],
      { samples: 12 },
    );
    expect(res3.worstRatio, res3.message).toBeLessThanOrEqual(1);
  });
});
