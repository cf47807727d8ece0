// The benchmark's physics ceiling must itself be right: on a simulated scan (1e9 photons) ePIE recovers the truth.
import { describe, expect, it } from 'vitest';
import { toRawData } from '../../src/pipeline/contract';
import { evaluateReconstruction } from '../../src/pipeline/metrics';
import { epie } from './epie';
import { scanFamilies, simulateFamily } from './families';

describe('ePIE (float64 CPU)', () => {
  it('recovers amplitude and phase of a lines scan (r > 0.95)', () => {
    const f = scanFamilies().find((x) => x.name === 'n32-lines')!;
    const arrays = simulateFamily(f, 3);
    const raw = toRawData(arrays);
    const e = epie(raw, { iterations: 30 });
    const m = evaluateReconstruction(
      { data: e.object, width: e.width, height: e.height },
      [0, 0],
      { data: raw.objectGuess!.data as Float32Array, width: e.width, height: e.height },
      { weights: e.weights },
    );
    expect(m.amplitude.r).toBeGreaterThan(0.95);
    expect(m.phase.r).toBeGreaterThan(0.95);
  });
});
