import type { Gpu } from '../gpu/kernel';
import { defineKernel } from '../gpu/kernelDecl';
import { Tape } from '../gpu/tape';
import type { Tensor } from '../gpu/tensor';
import { Adam } from '../gpu/ops/adam';
import type { TensorArena } from '../gpu/arena';
import normWgsl from '../gpu/shaders/norm.wgsl?raw';
import { Rng } from '../pipeline/random';
import { EarlyStopping, LrSchedule, type SchedulerName } from './schedule';

/**
 * The training loop (issue 4 §3): Adam with weight decay, LR schedules stepped per epoch, seeded shuffling,
 * validation on held-out groups, early stopping, gradient clipping by global norm, per-step and per-epoch events,
 * pause / resume / stop, and the last good weights kept when a run fails or diverges.
 *
 * GPU discipline: the dataset stays on the GPU; a step uploads only its batch's group indices, records
 * forward + loss on a tape, runs the adjoints and Adam, all without read-back. Step losses are summed on the GPU;
 * the CPU reads the running loss at most every `lossReadIntervalMs` (throttled, for live plots) and once per epoch.
 */
export interface TrainableModel {
  /** Trainable tensors (requiresGrad = true), fixed order. */
  readonly parameters: Tensor[];
  readonly parameterNames: string[];
  /** The arena holding `parameters` (views in the same order), if any: the optimizer then runs one dispatch. */
  readonly arena?: TensorArena;
  /** Scalar loss of the groups whose dataset indices are in `idx` (f32 exact integers). */
  batchLoss(gpu: Gpu, idx: Tensor): Tensor;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  scheduler?: SchedulerName;
  schedulerOptions?: {
    gamma?: number;
    plateauFactor?: number;
    plateauPatience?: number;
    plateauMinLr?: number;
    plateauThreshold?: number;
    warmupEpochs?: number;
    minRatio?: number;
  };
  weightDecay?: number;
  beta1?: number;
  beta2?: number;
  gradientClipNorm?: number | null;
  earlyStopPatience?: number;
  seed: number;
  /** Dataset indices used for training and for validation (disjoint). */
  trainIndices: Int32Array;
  valIndices?: Int32Array;
  /** Minimum milliseconds between live loss reads during an epoch (default 500). */
  lossReadIntervalMs?: number;
  /** Drop the last partial batch (default false: it is used, as torch's DataLoader does). */
  dropLast?: boolean;
  /** Steps queued on the GPU ahead of the one that finished (default 2). */
  maxStepsInFlight?: number;
  /** Read the optimizer moments at each epoch end too (for `onCheckpoint`); off by default. */
  checkpointOptimizer?: boolean;
  /**
   * Continue a run from a checkpoint: epochs before `startEpoch` are skipped, their shuffles, LR-schedule and
   * early-stopping updates replayed from `history`, and Adam's moments and step count restored — so the
   * continued run takes the same steps as one that never stopped.
   */
  resume?: { startEpoch: number; adam: AdamSnapshot; history: readonly EpochEvent[] };
}

/** Adam's state on the CPU: moments per parameter (parameter order) and the step count. */
export interface AdamSnapshot {
  m: Float32Array[];
  v: Float32Array[];
  t: number;
}

/** What a run hands out at the end of each good epoch: weights, and the optimizer when asked for. */
export interface RunCheckpoint {
  /** The epoch just completed (0-based). */
  epoch: number;
  weights: Map<string, Float32Array>;
  adam: AdamSnapshot | null;
}

export interface StepEvent {
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  /** Mean loss of the steps since the last read, when this step carried a (throttled) read; else undefined. */
  loss?: number;
  patternsPerSecond: number;
  etaSeconds: number;
}

export interface EpochEvent {
  epoch: number;
  trainLoss: number;
  valLoss: number | null;
  learningRate: number;
  seconds: number;
  patternsPerSecond: number;
}

export interface TrainResult {
  status: 'completed' | 'stopped' | 'early-stopped' | 'failed';
  epochs: EpochEvent[];
  error?: string;
  /** Weights at the end of the last epoch whose loss was finite (name → values). */
  lastGoodWeights: Map<string, Float32Array> | null;
}

/** acc[0] += x[0] (a GPU-side running sum of scalar losses) */
const ACCUM = defineKernel({
  name: 'accumulate',
  code: normWgsl,
  entryPoint: 'accumulate',
  bindings: { x: 'read', acc: 'rw' },
  workgroupSize: 1,
});

type RunState = 'idle' | 'running' | 'paused' | 'stopping' | 'done';

export class TrainingRun {
  private state: RunState = 'idle';
  private resumeWaiters: (() => void)[] = [];
  onStep?: (e: StepEvent) => void;
  onEpoch?: (e: EpochEvent) => void;
  /** Awaited at each epoch end after the weights were read (persist them here). */
  onCheckpoint?: (c: RunCheckpoint) => void | Promise<void>;
  /** Awaited between steps while running (e.g. a throttled live preview); not called while stopping. */
  afterStep?: () => Promise<void>;

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
    const { gpu, model, o } = this;
    this.state = 'running';
    const rng = new Rng(o.seed);
    const adam = new Adam(
      gpu,
      model.parameters,
      {
        lr: o.learningRate,
        beta1: o.beta1,
        beta2: o.beta2,
        weightDecay: o.weightDecay ?? 0,
      },
      model.arena,
    );
    const sched = new LrSchedule({
      name: o.scheduler ?? 'Default',
      baseLr: o.learningRate,
      epochs: o.epochs,
      ...o.schedulerOptions,
    });
    const early = o.valIndices?.length ? new EarlyStopping(o.earlyStopPatience ?? 100) : null;
    const epochs: EpochEvent[] = [];
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
    let lastGood: Map<string, Float32Array> | null = await this.checkpoint();
    const bs = o.batchSize;
    const stepsPerEpoch = o.dropLast ? Math.floor(order.length / bs) : Math.ceil(order.length / bs);
    const readInterval = o.lossReadIntervalMs ?? 500;
    const t0 = performance.now();
    let patternsDone = 0;
    const totalPatterns = stepsPerEpoch * bs * (o.epochs - start);
    let status: TrainResult['status'] = 'completed';
    let error: string | undefined;
    const epochSum = gpu.keep(gpu.zeros([1], 'f32'));
    const windowSum = gpu.keep(gpu.zeros([1], 'f32'));
    try {
      for (let epoch = start; epoch < o.epochs; epoch++) {
        const te = performance.now();
        adam.lr = sched.current;
        rng.shuffle(order);
        gpu.fill(epochSum, 0);
        gpu.fill(windowSum, 0);
        let windowSteps = 0;
        let lastRead = performance.now();
        const inFlight: Promise<void>[] = [];
        const maxInFlight = o.maxStepsInFlight ?? 2;
        for (let step = 0; step < stepsPerEpoch; step++) {
          if (this.current() === 'paused') await new Promise<void>((r) => this.resumeWaiters.push(r));
          if (this.current() === 'stopping') break;
          const rows = order.subarray(step * bs, Math.min(order.length, (step + 1) * bs));
          gpu.tidy(() => {
            const idx = gpu.tensor([rows.length], 'f32', Float32Array.from(rows));
            const tape = new Tape(gpu);
            const loss = tape.run(() => model.batchLoss(gpu, idx));
            const grads = tape.gradients(loss, model.parameters);
            adam.step(grads, o.gradientClipNorm || undefined);
            gpu.run(ACCUM, { x: loss, acc: epochSum }, undefined, [1]);
            gpu.run(ACCUM, { x: loss, acc: windowSum }, undefined, [1]);
          });
          windowSteps++;
          patternsDone += rows.length;
          // Pace the CPU with the GPU: at most `maxInFlight` steps queued (a fence, no read-back), so progress,
          // rates and pause/stop follow the real computation and the throttled loss read finds a finished step.
          inFlight.push(gpu.fence());
          if (inFlight.length > maxInFlight) await inFlight.shift();
          const now = performance.now();
          const rate = patternsDone / ((now - t0) / 1000);
          const ev: StepEvent = {
            epoch,
            step,
            stepsPerEpoch,
            patternsPerSecond: rate,
            etaSeconds: (totalPatterns - patternsDone) / Math.max(rate, 1e-9),
          };
          if (now - lastRead >= readInterval || step === stepsPerEpoch - 1) {
            // Throttled read (the only one inside the epoch): mean of the steps since the last read.
            ev.loss = (await gpu.read(windowSum))[0] / windowSteps;
            gpu.fill(windowSum, 0);
            windowSteps = 0;
            lastRead = performance.now();
            if (!Number.isFinite(ev.loss))
              throw new Error(
                `loss became ${ev.loss} at epoch ${epoch + 1}, step ${step + 1}; restored the last good weights (try a lower learning rate or gradient clipping)`,
              );
          } else {
            // Let the event loop breathe (UI messages, pause/stop) without stalling the GPU queue.
            await Promise.resolve();
          }
          this.onStep?.(ev);
          if (this.afterStep && this.current() === 'running') await this.afterStep();
        }
        if (this.current() === 'stopping') {
          status = 'stopped';
          break;
        }
        const trainLoss = (await gpu.read(epochSum))[0] / stepsPerEpoch;
        if (!Number.isFinite(trainLoss))
          throw new Error(`training loss became ${trainLoss} in epoch ${epoch + 1}; restored the last good weights`);
        const valLoss = o.valIndices?.length ? await this.evaluate(o.valIndices) : null;
        lastGood = await this.checkpoint();
        const seconds = (performance.now() - te) / 1000;
        const ev: EpochEvent = {
          epoch,
          trainLoss,
          valLoss,
          learningRate: adam.lr,
          seconds,
          patternsPerSecond: (stepsPerEpoch * bs) / seconds,
        };
        epochs.push(ev);
        this.onEpoch?.(ev);
        if (this.onCheckpoint)
          await this.onCheckpoint({
            epoch,
            weights: lastGood,
            adam: o.checkpointOptimizer ? await adam.snapshot() : null,
          });
        sched.endEpoch(valLoss ?? trainLoss);
        if (early && valLoss !== null && early.update(valLoss)) {
          status = 'early-stopped';
          break;
        }
      }
    } catch (e) {
      status = 'failed';
      error = (e as Error).message;
      if (lastGood && !gpu.isLost) {
        // Put the last good weights back so the model that remains (and any export) is the good one.
        model.parameters.forEach((p, i) => gpu.upload(p, lastGood!.get(model.parameterNames[i])!));
      }
    } finally {
      epochSum.dispose();
      windowSum.dispose();
      adam.dispose();
      this.state = 'done';
    }
    return { status, epochs, error, lastGoodWeights: lastGood };
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
