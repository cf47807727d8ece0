/** Tests of the preview kernel (preview.ts) vs a float64 oracle. */
import { describe, expect, it } from 'vitest';
import { getTestGpu, randomArray } from '../testing';
import { complexPreviewGpu, previewFactor } from './preview';

/** Float64 oracle: mean |z| and arg Σ z over f×f boxes, partial boxes at the edges. */
function previewRef(z: ArrayLike<number>, H: number, W: number, f: number) {
  const h = Math.ceil(H / f),
    w = Math.ceil(W / f);
  const amp = new Float64Array(h * w),
    ph = new Float64Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let re = 0,
        im = 0,
        m = 0,
        n = 0;
      for (let yy = y * f; yy < Math.min(H, y * f + f); yy++)
        for (let xx = x * f; xx < Math.min(W, x * f + f); xx++) {
          const k = 2 * (yy * W + xx);
          re += z[k];
          im += z[k + 1];
          m += Math.hypot(z[k], z[k + 1]);
          n++;
        }
      amp[y * w + x] = m / n;
      ph[y * w + x] = Math.atan2(im, re);
    }
  return { h, w, amp, ph };
}

describe('complex preview (GPU box downsample to amplitude / phase)', () => {
  it('matches the float64 oracle for exact and partial boxes', async () => {
    const gpu = await getTestGpu();
    expect(previewFactor(100, 37, 256)).toBe(1);
    expect(previewFactor(513, 40, 256)).toBe(3);
    for (const [H, W, f] of [
      [7, 5, 1],
      [11, 13, 3],
      [64, 40, 4],
    ]) {
      const z = randomArray(2 * H * W, H * W + f);
      const ref = previewRef(z, H, W, f);
      const out = await gpu.tidyAsync(async () => gpu.read(complexPreviewGpu(gpu, gpu.tensor([H, W], 'c64', z), f)));
      expect(out.length).toBe(2 * ref.h * ref.w);
      for (let i = 0; i < ref.h * ref.w; i++) {
        expect(Math.abs(out[2 * i] - ref.amp[i])).toBeLessThan(1e-5);
        // Phase compared on the circle.
        const d = Math.atan2(Math.sin(out[2 * i + 1] - ref.ph[i]), Math.cos(out[2 * i + 1] - ref.ph[i]));
        expect(Math.abs(d)).toBeLessThan(1e-4);
      }
    }
  });
});
