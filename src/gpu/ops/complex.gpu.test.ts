/** Tests of the complex ops (complex.ts) vs float64 references and finite differences. */
import { describe, expect, it } from 'vitest';
import { golden } from '../../testing/fixtures';
import { Tape } from '../tape';
import type { Tensor } from '../tensor';
import { checkGradients, compare, getTestGpu, randomArray } from '../../testing/gpu';
import { cabs, cabs2, combineComplex, complexMul, joinComplex, splitComplex } from './complex';
import { scale } from './elementwise';
import { padAndDiffract } from './fft';

describe('complex ops (GPU) vs float64 and finite differences', () => {
  it('combine, broadcast multiply, |z|, split/join match float64', async () => {
    const gpu = await getTestGpu();
    const n = 2 * 3 * 4 * 4;
    const amp = randomArray(n, 1, 0, 2);
    const ph = randomArray(n, 2, -3, 3);
    const f = randomArray(2 * 16, 3);
    const [z, m, a, re, im] = await gpu.tidyAsync(async () => {
      const tz = combineComplex(gpu, gpu.tensor([2, 3, 4, 4], 'f32', amp), gpu.tensor([2, 3, 4, 4], 'f32', ph));
      const tm = complexMul(gpu, tz, gpu.tensor([4, 4], 'c64', f));
      const [r, i] = splitComplex(gpu, tm);
      return Promise.all([tz, tm, cabs(gpu, tm), r, i].map((t) => gpu.read(t)));
    });
    const zr = new Float64Array(2 * n);
    const mr = new Float64Array(2 * n);
    const ar = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      zr[2 * i] = amp[i] * Math.cos(ph[i]);
      zr[2 * i + 1] = amp[i] * Math.sin(ph[i]);
      const j = i % 16;
      mr[2 * i] = zr[2 * i] * f[2 * j] - zr[2 * i + 1] * f[2 * j + 1];
      mr[2 * i + 1] = zr[2 * i] * f[2 * j + 1] + zr[2 * i + 1] * f[2 * j];
      ar[i] = Math.hypot(mr[2 * i], mr[2 * i + 1]);
    }
    expect(compare(z, zr, { atol: 1e-6 }, 'combine')).toBe('');
    expect(compare(m, mr, { atol: 2e-6 }, 'cmul')).toBe('');
    expect(compare(a, ar, { atol: 2e-6 }, 'cabs')).toBe('');
    const a2 = await gpu.tidyAsync(async () => gpu.read(cabs2(gpu, gpu.tensor([n], 'c64', Float32Array.from(mr)))));
    expect(
      compare(
        a2,
        Array.from(ar, (v) => v * v),
        { atol: 1e-5, rtol: 1e-6 },
        'cabs2',
      ),
    ).toBe('');
    expect(
      compare(
        re,
        Array.from({ length: n }, (_, i) => mr[2 * i]),
        { atol: 2e-6 },
        're',
      ),
    ).toBe('');
    expect(
      compare(
        im,
        Array.from({ length: n }, (_, i) => mr[2 * i + 1]),
        { atol: 2e-6 },
        'im',
      ),
    ).toBe('');
  });

  it('adjoints equal finite differences: combine (amp, phase), cmul (both inputs), cabs, split/join', async () => {
    const gpu = await getTestGpu();
    const shape = [2, 2, 3];
    const cases: [
      string,
      (xs: Tensor[]) => Tensor,
      { shape: number[]; dtype?: 'c64' | 'f32'; data: Float32Array }[],
    ][] = [
      [
        'combine',
        ([a, p]) => combineComplex(gpu, a, p),
        [
          { shape, data: randomArray(12, 4, 0.5, 2) },
          { shape, data: randomArray(12, 5, -3, 3) },
        ],
      ],
      [
        'cmul',
        ([x, f]) => complexMul(gpu, x, f),
        [
          { shape, dtype: 'c64', data: randomArray(24, 6) },
          { shape: [3], dtype: 'c64', data: randomArray(6, 7) },
        ],
      ],
      ['cabs', ([x]) => cabs(gpu, x), [{ shape, dtype: 'c64', data: randomArray(24, 8) }]],
      ['cabs2', ([x]) => cabs2(gpu, x), [{ shape, dtype: 'c64', data: randomArray(24, 10) }]],
      [
        'split/join',
        ([x]) => {
          const [r, i] = splitComplex(gpu, x);
          return joinComplex(gpu, i, r);
        },
        [{ shape, dtype: 'c64', data: randomArray(24, 9) }],
      ],
    ];
    for (const [name, f, inputs] of cases) {
      const res = await checkGradients(gpu, f, inputs, { samples: 8, atol: 1e-3, rtol: 1e-3 });
      expect(res.worstRatio, `${name}: ${res.message}`).toBeLessThanOrEqual(1);
    }
  });
});

describe('amplitude forward physics vs the reference (golden forward_physics.npz, case n64_c1_nobig)', () => {
  it('pred = |fftshift(fft2(obj · probe/4))|/N within 1e-5 of max; grad_obj within 1e-4 of max', async () => {
    const gpu = await getTestGpu();
    const g = golden('physics');
    const obj = g('n64_c1_nobig/obj');
    const probe = g('n64_c1_nobig/probe');
    const probeScale = (g('n64_c1_nobig/probe_scale').data as Float32Array)[0];
    const predRef = g('n64_c1_nobig/pred').data as Float32Array;
    const lossW = g('n64_c1_nobig/loss_w');
    const gradRef = g('n64_c1_nobig/grad_obj').data as Float32Array;
    const { pred, grad } = await gpu.tidyAsync(async () => {
      const o = gpu.tensor(obj.shape, 'c64', obj.data as Float32Array);
      o.requiresGrad = true;
      const p = gpu.tensor(probe.shape, 'c64', probe.data as Float32Array);
      const tape = new Tape(gpu);
      const A = tape.run(() => padAndDiffract(gpu, complexMul(gpu, o, scale(gpu, p, 1 / probeScale))));
      const [go] = tape.gradients(A, [o], gpu.tensor(lossW.shape, 'f32', lossW.data as Float32Array));
      return { pred: await gpu.read(A), grad: await gpu.read(go) };
    });
    const maxOf = (a: ArrayLike<number>) => {
      let m = 0;
      for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
      return m;
    };
    expect(compare(pred, predRef, { atol: 1e-5 * maxOf(predRef) }, 'pred')).toBe('');
    expect(compare(grad, gradRef, { atol: 1e-4 * maxOf(gradRef) }, 'grad_obj')).toBe('');
  });

  it('n16_c4: illuminated → pred (pad_and_diffract) within 1e-5 of max', async () => {
    const gpu = await getTestGpu();
    const g = golden('physics');
    const ill = g('n16_c4/illuminated');
    const predRef = g('n16_c4/pred').data as Float32Array;
    const pred = await gpu.tidyAsync(async () =>
      gpu.read(padAndDiffract(gpu, gpu.tensor([2, 4, 16, 16], 'c64', ill.data as Float32Array))),
    );
    let m = 0;
    for (const v of predRef) m = Math.max(m, v);
    expect(compare(pred, predRef, { atol: 1e-5 * m }, 'pred')).toBe('');
  });
});
