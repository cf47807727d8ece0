// Synthetic objects (src/pipeline/objects.ts): the benchmark's smooth random field and sparse particles — ranges,
// smoothness, coverage, seeding. (lines and grf are checked against the reference in simulate.test.ts.)
import { describe, expect, it } from 'vitest';
import { smoothObject, sparseObject } from './objects';
import { pearson } from './metrics';

function ampPhase(o: { data: ArrayLike<number> }) {
  const n = o.data.length / 2;
  const amp = Float64Array.from({ length: n }, (_, i) => Math.hypot(o.data[2 * i], o.data[2 * i + 1]));
  const phase = Float64Array.from({ length: n }, (_, i) => Math.atan2(o.data[2 * i + 1], o.data[2 * i]));
  return { amp, phase };
}

describe('synthetic objects', () => {
  it('smooth field: amplitude spans [0.3, 1], phase [−1, 1] rad, independent of each other, correlated over its length', () => {
    const S = 96;
    const o = smoothObject(S, { seed: 4, correlation: 4 });
    expect(o.shape).toEqual([S, S]);
    const { amp, phase } = ampPhase(o);
    expect(Math.min(...amp)).toBeCloseTo(0.3, 5);
    expect(Math.max(...amp)).toBeCloseTo(1, 5);
    expect(Math.min(...phase)).toBeCloseTo(-1, 5);
    expect(Math.max(...phase)).toBeCloseTo(1, 5);
    expect(Math.abs(pearson(amp, phase))).toBeLessThan(0.3);
    // Neighbours one pixel apart are nearly equal; 24 pixels apart, unrelated.
    const shift = (d: number) => pearson(amp.slice(0, S * (S - d)), amp.slice(S * d));
    expect(shift(1)).toBeGreaterThan(0.95);
    expect(Math.abs(shift(24))).toBeLessThan(0.3);
    expect(smoothObject(S, { seed: 4, correlation: 4 }).data).toEqual(o.data);
    expect(smoothObject(S, { seed: 5, correlation: 4 }).data).not.toEqual(o.data);
  });

  it('sparse particles: a clear background, absorbing (0.15–0.4) phase-shifting (≤ 1.5 rad) particles over ~15 % of the area', () => {
    const S = 128;
    const { amp, phase } = ampPhase(sparseObject(S, { seed: 2 }));
    const background = amp.filter((a) => a > 0.99).length / amp.length;
    const dark = amp.filter((a) => a < 0.6).length / amp.length;
    expect(background).toBeGreaterThan(0.55);
    expect(dark).toBeGreaterThan(0.05);
    expect(dark).toBeLessThan(0.25);
    expect(Math.min(...amp)).toBeGreaterThanOrEqual(0.15 - 1e-6);
    expect(Math.max(...phase)).toBeLessThanOrEqual(1.5 + 1e-6);
    expect(Math.min(...phase)).toBeGreaterThanOrEqual(0);
    // Absorption and phase shift go together (one material).
    expect(pearson(amp, phase)).toBeLessThan(-0.8);
  });
});
