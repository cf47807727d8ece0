/** Tests of inference-time stitching (stitch.ts) vs the float64 scatter reference (stitch.ref.ts). */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../numerics/random';
import { compare, getTestGpu, randomArray } from '../../testing/gpu';
import { stitchPatches } from './stitch';
import { stitchRef } from './stitch.ref';

describe('stitching (GPU gather) vs the float64 scatter reference', () => {
  for (const [method, weighting] of [
    ['barycentric', 'probe'],
    ['barycentric', 'uniform'],
    ['position', 'uniform'],
  ] as const) {
    it(`${method}/${weighting}: 37 sub-pixel patches on a non-square scan, object and weights within 1e-5 of max`, async () => {
      const gpu = await getTestGpu();
      const P = 37,
        N = 16;
      const rng = new Rng(4);
      const pos = new Float64Array(2 * P);
      for (let p = 0; p < P; p++) {
        pos[2 * p] = rng.range(10, 80);
        pos[2 * p + 1] = rng.range(5, 30);
      }
      const patches = randomArray(2 * P * N * N, 5);
      const probe = randomArray(2 * N * N, 6);
      const mt = method === 'position' ? 10 : 8;
      const r = await gpu.tidyAsync(async () => {
        const s = stitchPatches(gpu, gpu.tensor([P, N, N], 'c64', patches), pos, {
          method,
          weighting,
          probe,
          middleTrim: mt,
          crop: mt,
        });
        return { ...s, obj: await gpu.read(s.object), w: await gpu.read(s.weights) };
      });
      const q = new Float64Array(mt * mt).fill(1);
      if (weighting === 'probe')
        for (let i = 0; i < mt; i++)
          for (let j = 0; j < mt; j++) {
            const k = 2 * ((N / 2 - mt / 2 + i) * N + N / 2 - mt / 2 + j);
            q[i * mt + j] = probe[k] ** 2 + probe[k + 1] ** 2;
          }
      const ref = stitchRef(
        patches,
        P,
        N,
        pos,
        mt,
        q,
        r.origin,
        r.width,
        r.height,
        method === 'position' ? 1e-9 : 1e-12,
      );
      const m = Math.max(...Array.from(ref.obj, Math.abs));
      const md = Math.max(...ref.den);
      expect(compare(r.obj, ref.obj, { atol: 1e-5 * m }, 'object')).toBe('');
      expect(compare(r.w, ref.den, { atol: 1e-5 * md }, 'weights')).toBe('');
    });
  }

  it('orientation: an impulse at the patch centre for scan position (x, y) = (37, 21) lands at object column 37, row 21', async () => {
    const gpu = await getTestGpu();
    const N = 16;
    const pos = new Float64Array([37, 21, 60, 12, 15, 40]);
    const patches = new Float32Array(2 * 3 * N * N);
    patches[2 * ((N / 2) * N + N / 2)] = 1; // patch 0 only
    const r = await gpu.tidyAsync(async () => {
      const s = stitchPatches(gpu, gpu.tensor([3, N, N], 'c64', patches), pos, {
        method: 'barycentric',
        weighting: 'uniform',
        middleTrim: 8,
      });
      return { ...s, obj: await gpu.read(s.object) };
    });
    let best = -1,
      bi = 0;
    for (let i = 0; i < r.obj.length / 2; i++) {
      if (r.obj[2 * i] > best) {
        best = r.obj[2 * i];
        bi = i;
      }
    }
    expect([(bi % r.width) + r.origin[0], Math.floor(bi / r.width) + r.origin[1]]).toEqual([37, 21]);
    expect(best).toBeCloseTo(1, 6);
  });

  it('two identical overlapping patches (1+2j) give 1+2j on every covered pixel; different values blend to the average', async () => {
    const gpu = await getTestGpu();
    const N = 32;
    const one = new Float32Array(2 * 2 * N * N);
    for (let i = 0; i < 2 * N * N; i++) {
      one[2 * i] = 1;
      one[2 * i + 1] = 2;
    }
    const pos = new Float64Array([40, 40, 45.5, 41.25]);
    const obj = await gpu.tidyAsync(async () =>
      gpu.read(stitchPatches(gpu, gpu.tensor([2, N, N], 'c64', one), pos, { method: 'position', crop: 16 }).object),
    );
    let covered = 0;
    for (let i = 0; i < obj.length / 2; i++)
      if (obj[2 * i] !== 0 || obj[2 * i + 1] !== 0) {
        covered++;
        expect(Math.abs(obj[2 * i] - 1)).toBeLessThan(1e-6);
        expect(Math.abs(obj[2 * i + 1] - 2)).toBeLessThan(1e-6);
      }
    expect(covered).toBeGreaterThan(16 * 16);
    const two = one.slice();
    for (let i = N * N; i < 2 * N * N; i++) {
      two[2 * i] = 3;
      two[2 * i + 1] = 0;
    }
    const r = await gpu.tidyAsync(async () => {
      const s = stitchPatches(gpu, gpu.tensor([2, N, N], 'c64', two), new Float64Array([40, 40, 40, 40]), {
        method: 'position',
        crop: 16,
      });
      return { obj: await gpu.read(s.object), s };
    });
    const c = 2 * ((40 - r.s.origin[1]) * r.s.width + (40 - r.s.origin[0]));
    expect(r.obj[c]).toBeCloseTo(2, 6);
    expect(r.obj[c + 1]).toBeCloseTo(1, 6);
  });
});
