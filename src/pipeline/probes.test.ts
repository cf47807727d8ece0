// Synthetic probes (src/pipeline/probes.ts): the disk's area and edge, the defocus phase, erfc, refusals.
import { describe, expect, it } from 'vitest';
import { thrownPtychoError } from '../testing/thrown';
import { diskProbe, erfc } from './probes';

const at = (p: Float32Array, N: number, x: number, y: number) => [p[2 * (y * N + x)], p[2 * (y * N + x) + 1]];

describe('synthetic probes', () => {
  it('erfc matches reference values (scipy.special.erfc) to 2e-7', () => {
    for (const [x, v] of [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [-1, 1.8427007929497148],
      [2.5, 0.0004069520174449589],
    ])
      expect(Math.abs(erfc(x) - v)).toBeLessThan(2e-7);
  });

  it('a hard disk covers πR² (edge pixels by the share of their area inside), peak 1, nothing past R + 1 px; a soft edge falls to ½ at R', () => {
    const N = 64;
    for (const R of [8, 21.3]) {
      const p = diskProbe(N, { radius: R, edge: 0, curvature: 0 }).data as Float32Array;
      let area = 0;
      for (let i = 0; i < N * N; i++) area += Math.hypot(p[2 * i], p[2 * i + 1]);
      expect(Math.abs(area / (Math.PI * R * R) - 1)).toBeLessThan(0.01);
      expect(at(p, N, N / 2, N / 2)).toEqual([1, 0]);
      expect(at(p, N, N / 2 + Math.ceil(R + 1), N / 2)).toEqual([0, 0]);
    }
    const soft = diskProbe(N, { radius: 10, edge: 2, curvature: 0 }).data as Float32Array;
    expect(at(soft, N, N / 2 + 10, N / 2)[0]).toBeCloseTo(0.5, 6);
    expect(at(soft, N, N / 2 + 16, N / 2)[0]).toBeLessThan(0.002);
    expect(at(soft, N, N / 2 + 4, N / 2)[0]).toBeGreaterThan(0.998);
  });

  it('the phase curvature is quadratic: 0 at the centre, `curvature` rad at the rim', () => {
    const N = 32;
    const p = diskProbe(N, { radius: 8, edge: 1, curvature: 3 }).data as Float32Array;
    const phase = (x: number, y: number) => Math.atan2(at(p, N, x, y)[1], at(p, N, x, y)[0]);
    expect(phase(16, 16)).toBe(0);
    expect(phase(24, 16)).toBeCloseTo(3, 6);
    expect(phase(16, 20)).toBeCloseTo(0.75, 6);
  });

  it('refuses a radius that does not fit, a negative edge, a non-finite curvature', () => {
    for (const shape of [
      { radius: 16, edge: 0, curvature: 0 },
      { radius: 0, edge: 0, curvature: 0 },
      { radius: 4, edge: -1, curvature: 0 },
      { radius: 4, edge: 0, curvature: NaN },
    ])
      expect(thrownPtychoError(() => diskProbe(32, shape), 'config').message).toMatch(
        /probe: radius .* do not fit a 32×32 probe/,
      );
  });
});
