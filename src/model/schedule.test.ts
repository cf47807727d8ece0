import { describe, expect, it } from 'vitest';
import { EarlyStopping, LrSchedule } from './schedule';

describe('learning-rate schedules (torch semantics)', () => {
  it('Exponential: lr_e = lr·0.95^e', () => {
    const s = new LrSchedule({ name: 'Exponential', baseLr: 1e-3, epochs: 10 });
    const seen = [s.current, ...[1, 2, 3].map(() => s.endEpoch(0))];
    seen.forEach((lr, e) => expect(lr).toBeCloseTo(1e-3 * 0.95 ** e, 15));
  });

  it('ReduceLROnPlateau halves after 3 epochs without improvement (patience 2) and floors at 5e-5', () => {
    const s = new LrSchedule({ name: 'ReduceLROnPlateau', baseLr: 1e-3, epochs: 50 });
    // torch.optim.lr_scheduler.ReduceLROnPlateau(factor=.5, patience=2, threshold=0, min_lr=5e-5), hand-traced:
    const losses = [1, 0.9, 0.95, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8];
    const lrs = losses.map((l) => s.endEpoch(l));
    expect(lrs).toEqual([1e-3, 1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 5e-4, 5e-4, 2.5e-4]);
    const t = new LrSchedule({ name: 'ReduceLROnPlateau', baseLr: 1e-4, epochs: 50 });
    for (let i = 0; i < 20; i++) t.endEpoch(1);
    expect(t.current).toBe(5e-5);
  });

  it('WarmupCosine: linear warm-up then cosine to lr·minRatio at the last epoch', () => {
    const s = new LrSchedule({ name: 'WarmupCosine', baseLr: 1, epochs: 13, warmupEpochs: 2, minRatio: 0.1 });
    const lrs = [s.current];
    for (let e = 1; e < 13; e++) lrs.push(s.endEpoch(0));
    expect(lrs[0]).toBeCloseTo(0.5, 12);
    expect(lrs[1]).toBeCloseTo(1, 12);
    expect(lrs[2]).toBeCloseTo(1, 12);
    expect(lrs[12]).toBeCloseTo(0.1, 12);
    expect(lrs[7]).toBeCloseTo(0.55, 12); // halfway through the decay: (1 + 0.1)/2
    for (let e = 3; e < 13; e++) expect(lrs[e]).toBeLessThan(lrs[e - 1]);
  });

  it('EarlyStopping stops after `patience` epochs without improvement', () => {
    const es = new EarlyStopping(2);
    expect([3, 2, 2.5, 2.1].map((v) => es.update(v))).toEqual([false, false, false, true]);
  });
});
