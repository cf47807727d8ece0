/** Tests of the kernel-variant autotune (src/gpu/autotune.ts) on the test adapter. */
import { describe, expect, it } from 'vitest';
import { autotune } from './autotune';
import { Gpu } from './runtime';

describe('kernel variant autotune', () => {
  it('measures the variants of conv2d and the FFT, picks the fastest, and caches the choice per adapter', async () => {
    const gpu = await Gpu.create();
    const r = await autotune(gpu);
    for (const ms of [r.ms.conv.tiled, r.ms.conv.direct, r.ms.fft.workgroup, r.ms.fft.direct, r.ms.fft.unrolled])
      expect(ms).toBeGreaterThan(0);
    expect(r.variants.conv).toBe(r.ms.conv.direct < r.ms.conv.tiled ? 'direct' : 'tiled');
    expect(r.ms.fft[r.variants.fft]).toBe(Math.min(...Object.values(r.ms.fft)));
    expect(gpu.variants).toEqual(r.variants);
    // A second runtime on the same adapter gets the cached result without measuring again.
    const gpu2 = await Gpu.create();
    gpu2.variants.conv = r.variants.conv === 'direct' ? 'tiled' : 'direct';
    expect(await autotune(gpu2)).toBe(r);
    expect(gpu2.variants).toEqual(r.variants);
    gpu.destroy();
    gpu2.destroy();
  });
});
