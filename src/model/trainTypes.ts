/**
 * The data of a training run (src/model/train.ts): what it trains (TrainableModel), its options, and the events,
 * checkpoints and result it hands out.
 */
import type { Gpu } from '../gpu/runtime';
import type { Tensor } from '../gpu/tensor';
import type { TensorArena } from '../gpu/arena';
import type { ScheduleOptions, SchedulerName } from './schedule';

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
  schedulerOptions?: Omit<ScheduleOptions, 'name' | 'baseLr' | 'epochs'>;
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
  /** Contrast of the predicted amplitude where the probe lights it (src/model/collapse.ts), when measured. */
  amplitudeContrast?: number;
}

export interface TrainResult {
  status: 'completed' | 'stopped' | 'early-stopped' | 'failed';
  epochs: EpochEvent[];
  error?: string;
  /** Weights at the end of the last epoch whose loss was finite (name → values). */
  lastGoodWeights: Map<string, Float32Array> | null;
}
