// probe_scale from the scan (src/config/amplitudeLevel.ts): a uniform object of amplitude amplitude_level then
// carries exactly the normalised patterns' mean energy (N/2)² through the probe; unset, probe_scale is left alone.
import { describe, expect, it } from 'vitest';
import { probeScaleForLevel, withAmplitudeLevel } from './amplitudeLevel';
import { makeTrainingConfig } from './schema';

describe('amplitude_level', () => {
  const N = 32;
  const probe = Float32Array.from({ length: 2 * N * N }, (_, i) => Math.sin(i * 0.37) * (i % 7) * 0.3);

  it('probe_scale makes Σ|a·P/probe_scale|² equal (N/2)²', () => {
    for (const a of [0.2, 0.5, 0.9]) {
      const s = probeScaleForLevel(probe, N, a);
      let e = 0;
      for (const v of probe) e += ((a * v) / s) ** 2;
      expect(e / (N / 2) ** 2).toBeCloseTo(1, 10);
    }
  });

  it('sets probe_scale only when amplitude_level is set', () => {
    const off = makeTrainingConfig({ model: { N, probe_scale: 3 } });
    expect(withAmplitudeLevel(off, probe, N)).toBe(off);
    const on = withAmplitudeLevel(makeTrainingConfig({ model: { N, probe_scale: 3, amplitude_level: 0.5 } }), probe, N);
    expect(on.model.probe_scale).toBeCloseTo(probeScaleForLevel(probe, N, 0.5), 12);
    expect(on.model.amplitude_level).toBe(0.5);
  });
});
