/** Tests of the real-space regularisers (regular.ts) vs float64 references and finite differences. */
import { describe, expect, it } from 'vitest';
import { checkGradients, getTestGpu, randomArray } from '../../testing/gpu';
import { regulariser } from './regular';

function tvRef(x: Float32Array, [B, C, H, W]: number[]): number {
  let s = 0;
  for (let p = 0; p < B * C; p++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) {
        const i = p * H * W + h * W + w;
        if (h + 1 < H) s += Math.abs(x[i + W] - x[i]);
        if (w + 1 < W) s += Math.abs(x[i + 1] - x[i]);
      }
  return s / B;
}

function mdRef(x: Float32Array, [B, C, H, W]: number[]): number {
  let s = 0;
  for (let p = 0; p < B * C; p++) {
    const plane = x.subarray(p * H * W, (p + 1) * H * W);
    const m = plane.reduce((a, v) => a + v, 0) / (H * W);
    for (const v of plane) s += Math.abs(v - m);
  }
  return s / B;
}

describe('real-space regularisers (Total_Variation, Mean_Deviation)', () => {
  const shape = [2, 3, 5, 4];
  // Distinct values 0.05 apart: every neighbour difference stays far from the |·| kink the finite differences cross.
  const x = Float32Array.from({ length: 120 }, (_, i) => ((i * 67) % 120) * 0.05);
  void randomArray;
  for (const [kind, ref] of [
    ['Total_Variation', tvRef],
    ['Mean_Deviation', mdRef],
  ] as const) {
    it(`${kind}: value equals float64, gradient equals finite differences`, async () => {
      const gpu = await getTestGpu();
      const v = await gpu.tidyAsync(async () => gpu.read(regulariser(gpu, gpu.tensor(shape, 'f32', x), kind)));
      expect(Math.abs(v[0] - ref(x, shape)) / ref(x, shape)).toBeLessThan(1e-6);
      // Finite differences of a float32 sum of ~10² terms: eps 1e-2 (kinks are ≥ 0.05 away), tolerance 2e-2.
      const res = await checkGradients(gpu, ([t]) => regulariser(gpu, t, kind), [{ shape, data: x }], {
        eps: 1e-2,
        samples: 12,
        atol: 2e-2,
        rtol: 1e-2,
      });
      expect(res.worstRatio, res.message).toBeLessThanOrEqual(1);
      // The exact (piecewise-constant) gradient, by float64 central differences with a tiny step.
      const g = await gpu.tidyAsync(async () => {
        const { Tape } = await import('../tape');
        const t = gpu.tensor(shape, 'f32', x);
        t.requiresGrad = true;
        const tape = new Tape(gpu);
        const l = tape.run(() => regulariser(gpu, t, kind));
        return gpu.read(tape.gradients(l, [t])[0]);
      });
      const x64 = Float64Array.from(x);
      for (let i = 0; i < x.length; i++) {
        const p = Float64Array.from(x64),
          m = Float64Array.from(x64);
        p[i] += 1e-6;
        m[i] -= 1e-6;
        const exact = (ref(p as unknown as Float32Array, shape) - ref(m as unknown as Float32Array, shape)) / 2e-6;
        expect(Math.abs(g[i] - exact), `index ${i}`).toBeLessThan(1e-4);
      }
    });
  }
});
