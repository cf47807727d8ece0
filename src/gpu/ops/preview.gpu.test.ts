/** Tests of the preview kernel (preview.ts) vs the float64 box reduction of src/pipeline/boxPreview.ts. */
import { describe, expect, it } from 'vitest';
import { boxPreview } from '../../pipeline/boxPreview';
import { getTestGpu, randomArray } from '../../testing/gpu';
import { complexPreviewGpu, previewFactor } from './preview';

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
      const ref = boxPreview(z, H, W, f);
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
