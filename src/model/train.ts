/**
 * The training loop: Adam with weight decay, LR schedules stepped per epoch, seeded shuffling,
 * validation on held-out groups, early stopping, gradient clipping by global norm, per-step and per-epoch events,
 * pause / resume / stop, and the last good weights kept when a run fails or diverges.
 *
 * GPU discipline: the dataset stays on the GPU; a step uploads only its batch's group indices, records
 * forward + loss on a tape, runs the adjoints and Adam, all without read-back. Step losses are summed on the GPU;
 * the CPU reads the running loss at most every `lossReadIntervalMs` (throttled, for live plots) and once per epoch.
 */
import type { Gpu } from '../gpu/runtime';
import { Tape } from '../gpu/tape';
import type { Tensor } from '../gpu/tensor';
import { ACCUM, Adam } from '../gpu/ops/adam';
import { Rng } from '../numerics/random';
import { EarlyStopping, LrSchedule } from './schedule';
import type { EpochEvent, RunCheckpoint, StepEvent, TrainableModel, TrainOptions, TrainResult } from './trainTypes';

export type {
  TrainableModel,
  TrainOptions,
  AdamSnapshot,
  RunCheckpoint,
  StepEvent,
  EpochEvent,
  TrainResult,
} from './trainTypes';

type RunState = 'idle' | 'running' | 'paused' | 'stopping' | 'done';

/** The state of one run(): optimizer, schedules, shuffled order, GPU-side loss sums, progress and results. */
interface RunLoop {
  rng: Rng;
  adam: Adam;
  sched: LrSchedule;
  early: EarlyStopping | null;
  order: Int32Array;
  start: number;
  stepsPerEpoch: number;
  totalPatterns: number;
  patternsDone: number;
  t0: number;
  epochSum: Tensor;
  windowSum: Tensor;
  epochs: EpochEvent[];
  lastGood: Map<string, Float32Array> | null;
}

/** Within an epoch: steps since the last loss read, when it was, and the steps queued on the GPU. */
interface LossWindow {
  steps: number;
  lastRead: number;
  inFlight: Promise<void>[];
}

export class TrainingRun {
  private state: RunState = 'idle';
  private resumeWaiters: (() => void)[] = [];
  onStep?: (e: StepEvent) => void;
  onEpoch?: (e: EpochEvent) => void;
  /** Awaited at each epoch end after the weights were read (persist them here). */
  onCheckpoint?: (c: RunCheckpoint) => void | Promise<void>;
  /** Awaited between steps while running (e.g. a throttled live preview); not called while stopping. */
  afterStep?: () => Promise<void>;
  /** Awaited at each epoch end before its event: measurements that join the event (e.g. the amplitude contrast). */
  epochMeasures?: () => Promise<Partial<EpochEvent>>;

  constructor(
    private readonly gpu: Gpu,
    private readonly model: TrainableModel,
    private readonly o: TrainOptions,
  ) {
    if (!(o.batchSize > 0) || !(o.epochs > 0)) throw new Error('TrainingRun: batchSize and epochs must be positive');
    if (o.trainIndices.length === 0) throw new Error('TrainingRun: no training groups');
  }

  get status(): RunState {
    return this.state;
  }

  // Read through a method: pause()/stop() change the state from event handlers while run() awaits.
  private current(): RunState {
    return this.state;
  }

  pause(): void {
    if (this.state === 'running') this.state = 'paused';
  }

  resume(): void {
    if (this.state === 'paused') {
      this.state = 'running';
      for (const w of this.resumeWaiters.splice(0)) w();
    }
  }

  stop(): void {
    if (this.state === 'running' || this.state === 'paused') {
      this.state = 'stopping';
      for (const w of this.resumeWaiters.splice(0)) w();
    }
  }

  private async checkpoint(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (let i = 0; i < this.model.parameters.length; i++) {
      out.set(this.model.parameterNames[i], await this.gpu.read(this.model.parameters[i]));
    }
    return out;
  }

  /** Mean loss over `indices` without gradients (validation). */
  async evaluate(indices: Int32Array): Promise<number> {
    const gpu = this.gpu;
    const bs = this.o.batchSize;
    return gpu.tidyAsync(async () => {
      const acc = gpu.zeros([1], 'f32');
      let batches = 0;
      for (let s = 0; s < indices.length; s += bs) {
        gpu.tidy(() => {
          const idx = gpu.tensor(
            [Math.min(bs, indices.length - s)],
            'f32',
            Float32Array.from(indices.subarray(s, s + bs)),
          );
          const l = this.model.batchLoss(gpu, idx);
          gpu.run(ACCUM, { x: l, acc }, undefined, [1]);
        });
        batches++;
      }
      return (await gpu.read(acc))[0] / batches;
    });
  }

  async run(): Promise<TrainResult> {
    this.state = 'running';
    const loop = await this.startLoop();
    let status: TrainResult['status'] = 'completed';
    let error: string | undefined;
    try {
      for (let epoch = loop.start; epoch < this.o.epochs; epoch++) {
        const te = performance.now();
        if (await this.runSteps(loop, epoch)) {
          status = 'stopped';
          break;
        }
        if (await this.endEpoch(loop, epoch, te)) {
          status = 'early-stopped';
          break;
        }
      }
    } catch (e) {
      status = 'failed';
      error = (e as Error).message;
      this.restoreLastGood(loop.lastGood);
    } finally {
      loop.epochSum.dispose();
      loop.windowSum.dispose();
      loop.adam.dispose();
      this.state = 'done';
    }
    return { status, epochs: loop.epochs, error, lastGoodWeights: loop.lastGood };
  }

  /** The optimizer, schedules and sums of a new run; a resumed run replays the epochs before its start. */
  private async startLoop(): Promise<RunLoop> {
    const { gpu, model, o } = this;
    const rng = new Rng(o.seed);
    const adam = new Adam(
      gpu,
      model.parameters,
      { lr: o.learningRate, beta1: o.beta1, beta2: o.beta2, weightDecay: o.weightDecay ?? 0 },
      model.arena,
    );
    const sched = new LrSchedule({
      name: o.scheduler ?? 'Default',
      baseLr: o.learningRate,
      epochs: o.epochs,
      ...o.schedulerOptions,
    });
    const early = o.valIndices?.length ? new EarlyStopping(o.earlyStopPatience ?? 100) : null;
    const order = Int32Array.from(o.trainIndices);
    const start = o.resume?.startEpoch ?? 0;
    if (o.resume) {
      if (o.resume.history.length < start)
        throw new Error(
          `TrainingRun: resuming at epoch ${start + 1} needs ${start} epochs of history, got ${o.resume.history.length}`,
        );
      adam.load(o.resume.adam);
      for (let e = 0; e < start; e++) {
        const h = o.resume.history[e];
        rng.shuffle(order);
        sched.endEpoch(h.valLoss ?? h.trainLoss);
        if (early && h.valLoss !== null) early.update(h.valLoss);
      }
    }
    const lastGood = await this.checkpoint();
    const stepsPerEpoch = o.dropLast ? Math.floor(order.length / o.batchSize) : Math.ceil(order.length / o.batchSize);
    return {
      rng,
      adam,
      sched,
      early,
      order,
      start,
      stepsPerEpoch,
      totalPatterns: stepsPerEpoch * o.batchSize * (o.epochs - start),
      patternsDone: 0,
      t0: performance.now(),
      epochSum: gpu.keep(gpu.zeros([1], 'f32')),
      windowSum: gpu.keep(gpu.zeros([1], 'f32')),
      epochs: [],
      lastGood,
    };
  }

  /** One epoch's steps (honouring pause and stop); true when the run was stopped. */
  private async runSteps(loop: RunLoop, epoch: number): Promise<boolean> {
    const gpu = this.gpu;
    loop.adam.lr = loop.sched.current;
    loop.rng.shuffle(loop.order);
    gpu.fill(loop.epochSum, 0);
    gpu.fill(loop.windowSum, 0);
    const win: LossWindow = { steps: 0, lastRead: performance.now(), inFlight: [] };
    for (let step = 0; step < loop.stepsPerEpoch; step++) {
      if (this.current() === 'paused') await new Promise<void>((r) => this.resumeWaiters.push(r));
      if (this.current() === 'stopping') break;
      await this.trainStep(loop, win, epoch, step);
      if (this.afterStep && this.current() === 'running') await this.afterStep();
    }
    return this.current() === 'stopping';
  }

  /** Forward, adjoints and Adam for one batch (no read-back), paced with the GPU, then its step event. */
  private async trainStep(loop: RunLoop, win: LossWindow, epoch: number, step: number): Promise<void> {
    const { gpu, model, o } = this;
    const bs = o.batchSize;
    const rows = loop.order.subarray(step * bs, Math.min(loop.order.length, (step + 1) * bs));
    gpu.tidy(() => {
      const idx = gpu.tensor([rows.length], 'f32', Float32Array.from(rows));
      const tape = new Tape(gpu);
      const loss = tape.run(() => model.batchLoss(gpu, idx));
      const grads = tape.gradients(loss, model.parameters);
      loop.adam.step(grads, o.gradientClipNorm || undefined);
      gpu.run(ACCUM, { x: loss, acc: loop.epochSum }, undefined, [1]);
      gpu.run(ACCUM, { x: loss, acc: loop.windowSum }, undefined, [1]);
    });
    win.steps++;
    loop.patternsDone += rows.length;
    // Pace the CPU with the GPU: at most `maxStepsInFlight` steps queued (a fence, no read-back), so progress,
    // rates and pause/stop follow the real computation and the throttled loss read finds a finished step.
    win.inFlight.push(gpu.fence());
    if (win.inFlight.length > (o.maxStepsInFlight ?? 2)) await win.inFlight.shift();
    const now = performance.now();
    const rate = loop.patternsDone / ((now - loop.t0) / 1000);
    const ev: StepEvent = {
      epoch,
      step,
      stepsPerEpoch: loop.stepsPerEpoch,
      patternsPerSecond: rate,
      etaSeconds: (loop.totalPatterns - loop.patternsDone) / Math.max(rate, 1e-9),
    };
    if (now - win.lastRead >= (o.lossReadIntervalMs ?? 500) || step === loop.stepsPerEpoch - 1) {
      // Throttled read (the only one inside the epoch): mean of the steps since the last read.
      ev.loss = (await gpu.read(loop.windowSum))[0] / win.steps;
      gpu.fill(loop.windowSum, 0);
      win.steps = 0;
      win.lastRead = performance.now();
      if (!Number.isFinite(ev.loss))
        throw new Error(
          `loss became ${ev.loss} at epoch ${epoch + 1}, step ${step + 1}; restored the last good weights (try a lower learning rate or gradient clipping)`,
        );
    } else {
      // Let the event loop breathe (UI messages, pause/stop) without stalling the GPU queue.
      await Promise.resolve();
    }
    this.onStep?.(ev);
  }

  /**
   * The end of a completed epoch: training loss, validation, the weights kept as the last good ones, the epoch
   * event, the checkpoint, the LR schedule and early stopping; true when early stopping ends the run.
   */
  private async endEpoch(loop: RunLoop, epoch: number, te: number): Promise<boolean> {
    const { gpu, o } = this;
    const trainLoss = (await gpu.read(loop.epochSum))[0] / loop.stepsPerEpoch;
    if (!Number.isFinite(trainLoss))
      throw new Error(`training loss became ${trainLoss} in epoch ${epoch + 1}; restored the last good weights`);
    const valLoss = o.valIndices?.length ? await this.evaluate(o.valIndices) : null;
    loop.lastGood = await this.checkpoint();
    const seconds = (performance.now() - te) / 1000;
    const ev: EpochEvent = {
      epoch,
      trainLoss,
      valLoss,
      learningRate: loop.adam.lr,
      seconds,
      patternsPerSecond: (loop.stepsPerEpoch * o.batchSize) / seconds,
      ...(await this.epochMeasures?.()),
    };
    loop.epochs.push(ev);
    this.onEpoch?.(ev);
    if (this.onCheckpoint)
      await this.onCheckpoint({
        epoch,
        weights: loop.lastGood,
        adam: o.checkpointOptimizer ? await loop.adam.snapshot() : null,
      });
    loop.sched.endEpoch(valLoss ?? trainLoss);
    return !!loop.early && valLoss !== null && loop.early.update(valLoss);
  }

  /** Put the last good weights back so the model that remains (and any export) is the good one. */
  private restoreLastGood(lastGood: Map<string, Float32Array> | null): void {
    const { gpu, model } = this;
    if (lastGood && !gpu.isLost) {
      model.parameters.forEach((p, i) => gpu.upload(p, lastGood.get(model.parameterNames[i])!));
    }
  }
}

/** Split group indices into train / validation by a seeded shuffle (the held-out fraction goes to validation). */
export function splitTrainVal(nGroups: number, fraction: number, seed: number): { train: Int32Array; val: Int32Array } {
  const all = new Int32Array(nGroups);
  for (let i = 0; i < nGroups; i++) all[i] = i;
  if (!(fraction > 0) || nGroups < 2) return { train: all, val: new Int32Array(0) };
  new Rng(seed ^ 0x5eed).shuffle(all);
  const nVal = Math.max(1, Math.min(nGroups - 1, Math.round(nGroups * fraction)));
  return { train: all.slice(nVal).sort(), val: all.slice(0, nVal).sort() };
}
