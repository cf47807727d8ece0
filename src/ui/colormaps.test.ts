// Tests of the colour maps (src/ui/colormaps.ts) against matplotlib's values.
import { describe, expect, it } from 'vitest';
import { amplitudePhase, complexToRgba, hsvToRgb, lut, range, toRgba } from './colormaps';

describe('colour maps', () => {
  it('viridis and twilight match matplotlib at known points', () => {
    // matplotlib 3.6: viridis(0.5) ≈ (0.127568, 0.566949, 0.550556); twilight is cyclic (ends equal).
    const v = lut('viridis');
    expect([v[3 * 128], v[3 * 128 + 1], v[3 * 128 + 2]].map((x) => x / 255)).toEqual([
      expect.closeTo(0.1276, 2),
      expect.closeTo(0.567, 2),
      expect.closeTo(0.5506, 2),
    ]);
    const t = lut('twilight');
    for (let c = 0; c < 3; c++) expect(Math.abs(t[c] - t[3 * 255 + c])).toBeLessThanOrEqual(2);
  });

  it('maps values over [lo, hi] with clamping; range ignores nothing', () => {
    const rgba = toRgba([0, 1, 2, -5, 9], 'gray', 0, 2);
    expect(Array.from(rgba.filter((_, i) => i % 4 === 0))).toEqual([0, 128, 255, 0, 255]);
    expect(range([3, -1, 2])).toEqual([-1, 3]);
  });

  it('complex view: hue = phase, value = amplitude / max (matplotlib hsv_to_rgb values)', () => {
    expect(hsvToRgb(0, 1, 1)).toEqual([255, 0, 0]);
    expect(hsvToRgb(1 / 3, 1, 1)).toEqual([0, 255, 0]);
    expect(hsvToRgb(2 / 3, 1, 0.5)).toEqual([0, 0, 128]);
    // phase −π → hue 0 (red), phase 0 → hue ½ (cyan), amplitude 0.5 of max 1 → value ½.
    const rgba = complexToRgba([-1, 0, 1, 0, 0, 0.5, 0, 0], 1);
    expect(Array.from(rgba.subarray(0, 4))).toEqual([255, 0, 0, 255]);
    expect(Array.from(rgba.subarray(4, 8))).toEqual([0, 255, 255, 255]);
    expect(Array.from(rgba.subarray(8, 12))).toEqual(hsvToRgb(0.75, 1, 0.5).concat(255));
    expect(Array.from(rgba.subarray(12, 16))).toEqual([0, 0, 0, 255]);
    const ap = amplitudePhase([3, 4, 0, -2]);
    expect(Array.from(ap.amplitude)).toEqual([5, 2]);
    expect(ap.phase[1]).toBeCloseTo(-Math.PI / 2, 6);
  });
});
