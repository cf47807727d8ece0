/**
 * Learning-rate schedules stepped once per epoch, as the reference's Lightning module does:
 * 'Default' (constant), 'Exponential' (γ = 0.95 per epoch), 'ReduceLROnPlateau' (torch semantics: mode min,
 * factor 0.5, patience 2, relative threshold 0, min_lr 5e-5, stepped on the validation loss, else the training
 * loss), 'WarmupCosine' (linear warm-up over `warmupEpochs`, then cosine decay to lr·minRatio at the last epoch).
 */
export type SchedulerName = 'Default' | 'Exponential' | 'ReduceLROnPlateau' | 'WarmupCosine';

export interface ScheduleOptions {
  name: SchedulerName;
  baseLr: number;
  epochs: number;
  gamma?: number;
  plateauFactor?: number;
  plateauPatience?: number;
  plateauMinLr?: number;
  plateauThreshold?: number;
  warmupEpochs?: number;
  minRatio?: number;
}

export class LrSchedule {
  private lr: number;
  private best = Infinity;
  private bad = 0;
  private epoch = 0;

  constructor(private readonly o: ScheduleOptions) {
    this.lr = o.name === 'WarmupCosine' ? this.cosineAt(0) : o.baseLr;
  }

  /** Learning rate for the current epoch. */
  get current(): number {
    return this.lr;
  }

  /** Call at the end of each epoch with the monitored loss; returns the learning rate for the next epoch. */
  endEpoch(monitored: number): number {
    this.epoch++;
    const o = this.o;
    switch (o.name) {
      case 'Default':
        break;
      case 'Exponential':
        this.lr = o.baseLr * (o.gamma ?? 0.95) ** this.epoch;
        break;
      case 'WarmupCosine':
        this.lr = this.cosineAt(this.epoch);
        break;
      case 'ReduceLROnPlateau': {
        const thr = o.plateauThreshold ?? 0;
        if (monitored < this.best * (1 - thr)) {
          this.best = monitored;
          this.bad = 0;
        } else {
          this.bad++;
        }
        if (this.bad > (o.plateauPatience ?? 2)) {
          const next = Math.max(this.lr * (o.plateauFactor ?? 0.5), o.plateauMinLr ?? 5e-5);
          if (this.lr - next > 1e-8) this.lr = next;
          this.bad = 0;
        }
        break;
      }
    }
    return this.lr;
  }

  private cosineAt(e: number): number {
    const o = this.o;
    const W = o.warmupEpochs ?? 0;
    if (e < W) return (o.baseLr * (e + 1)) / W;
    const min = o.baseLr * (o.minRatio ?? 0.1);
    const span = Math.max(1, o.epochs - W - 1);
    const p = Math.min(1, (e - W) / span);
    return min + (o.baseLr - min) * 0.5 * (1 + Math.cos(Math.PI * p));
  }
}

/** Early stopping on a monitored loss (Lightning EarlyStopping, mode min, min_delta 0). */
export class EarlyStopping {
  private best = Infinity;
  private bad = 0;
  constructor(readonly patience: number) {}
  /** Returns true when training should stop. */
  update(value: number): boolean {
    if (value < this.best) {
      this.best = value;
      this.bad = 0;
      return false;
    }
    this.bad++;
    return this.bad >= this.patience;
  }
}
