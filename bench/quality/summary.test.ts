import { describe, expect, it } from 'vitest';
import { summarize, summaryTable, type QualityRow } from './summary';

const row = (family: string, seed: number, rA: number, rP: number, collapsed = false): QualityRow => ({
  preset: 'small',
  family,
  seed,
  rAmplitude: rA,
  rPhase: rP,
  ssimAmplitude: rA / 2,
  ssimPhase: rP / 2,
  psnrAmplitude: 20,
  psnrPhase: 20,
  frcAmplitudePx: null,
  frcPhasePx: null,
  collapsed,
  reconstructs: rA >= 0.8 && rP >= 0.8,
  status: 'completed',
  amplitudeContrast: 0.1,
  detectorCollapsed: false,
  epochs: 4,
  finalLoss: 1,
  trainSeconds: 10,
  seconds: 12,
});

describe('quality summary', () => {
  it('counts escapes and collapses per preset and family; NaN r (a constant image) counts as the worst', () => {
    const s = summarize(
      [row('a', 1, 0.9, 0.95), row('a', 2, 0.7, 0.9), row('a', 3, NaN, 0.1, true), row('b', 1, 0.85, 0.81)],
      [{ name: 'a', varies: 'objects' } as never],
    );
    expect(s).toHaveLength(2);
    expect(s[0]).toMatchObject({ family: 'a', varies: 'objects', runs: 3, reconstructs: 1, collapsed: 1 });
    expect(s[0].minRAmplitude).toBe(-1);
    expect(s[0].medianRAmplitude).toBeCloseTo(0.7, 12); // sorted: -inf, 0.7, 0.9
    expect(s[0].medianRPhase).toBeCloseTo(0.9, 12);
    expect(s[1]).toMatchObject({ family: 'b', runs: 1, reconstructs: 1, collapsed: 0 });
    const t = summaryTable(s).split('\n');
    expect(t).toHaveLength(4);
    expect(t[2]).toBe('| small | a | 1/3 | 1 | -1.00 / 0.70 | 0.10 / 0.90 | 0.35 / 0.45 | 12 |');
  });
});
