// The benchmark's physics ceiling must itself be right: on a simulated scan (1e9 photons) ePIE recovers the truth.
import { describe, expect, it } from 'vitest';
import { toRawData } from '../../src/pipeline/contract';
import { epie, epieMetrics } from './epie';
import { scanFamilies, simulateFamily } from './families';

describe('ePIE (float64 CPU)', () => {
  it('recovers amplitude and phase of a lines scan (r > 0.95)', () => {
    const f = scanFamilies().find((x) => x.name === 'n32-lines')!;
    const arrays = simulateFamily(f, 3);
    const raw = toRawData(arrays);
    const e = epie(raw, { iterations: 30 });
    const m = epieMetrics(raw, e);
    expect(m.amplitude.r).toBeGreaterThan(0.95);
    expect(m.phase.r).toBeGreaterThan(0.95);
  });
});
