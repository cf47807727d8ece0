// Tests of line-profile sampling (src/ui/profile.ts).
import { describe, expect, it } from 'vitest';
import { sampleLine } from './profile';

describe('line profile sampling', () => {
  it('samples a row, a diagonal and outside points (NaN) with distances', () => {
    const W = 4,
      H = 3;
    const img = Array.from({ length: W * H }, (_, i) => i);
    const row = sampleLine(img, W, H, { x0: 0.5, y0: 1.5, x1: 3.5, y1: 1.5 });
    expect(row.values).toEqual([4, 5, 6, 7]);
    expect(row.distance).toEqual([0, 1, 2, 3]);
    const diag = sampleLine(img, W, H, { x0: 0.5, y0: 0.5, x1: 2.5, y1: 2.5 });
    expect(diag.values[0]).toBe(0);
    expect(diag.values[diag.values.length - 1]).toBe(10);
    expect(diag.distance[diag.distance.length - 1]).toBeCloseTo(Math.SQRT2 * 2, 9);
    const out = sampleLine(img, W, H, { x0: -2.5, y0: 0.5, x1: 0.5, y1: 0.5 });
    expect(Number.isNaN(out.values[0])).toBe(true);
    expect(out.values[out.values.length - 1]).toBe(0);
  });
});
