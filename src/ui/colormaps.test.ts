import { describe, expect, it } from 'vitest';
import { lut, range, toRgba } from './colormaps';

describe('colour maps', () => {
  it('viridis and twilight match matplotlib at known points', () => {
    // matplotlib 3.6: viridis(0.5) ≈ (0.127568, 0.566949, 0.550556); twilight is cyclic (ends equal).
    const v = lut('viridis');
    expect([v[3 * 128], v[3 * 128 + 1], v[3 * 128 + 2]].map((x) => x / 255)).toEqual([expect.closeTo(0.1276, 2), expect.closeTo(0.567, 2), expect.closeTo(0.5506, 2)]);
    const t = lut('twilight');
    for (let c = 0; c < 3; c++) expect(Math.abs(t[c] - t[3 * 255 + c])).toBeLessThanOrEqual(2);
  });

  it('maps values over [lo, hi] with clamping; range ignores nothing', () => {
    const rgba = toRgba([0, 1, 2, -5, 9], 'gray', 0, 2);
    expect(Array.from(rgba.filter((_, i) => i % 4 === 0))).toEqual([0, 128, 255, 0, 255]);
    expect(range([3, -1, 2])).toEqual([-1, 3]);
  });
});
