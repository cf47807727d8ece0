/**
 * Training steps of the engine (src/api/engine.ts): the groups put on the GPU and split into training and
 * validation, the TrainingRun options from the config, the throttled live preview, and checkpoints out of and
 * back into a run (src/api/checkpoint.ts).
 */
import type { TrainingConfig } from '../config/schema';
import { PtychoError } from '../errors';
import type { GroupedData } from '../pipeline/container';
import type { PreviewImage } from '../model/infer';
import type { PtychoPINN } from '../model/ptychopinn';
import { splitTrainVal, type EpochEvent, type RunCheckpoint, type StepEvent, type TrainOptions } from '../model/train';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type TrainingCheckpoint } from './checkpoint';
import type { LoadedDataset, PreviewStats, TrainEvents } from './engineTypes';

/** Supervised training needs a ground-truth patch for every group. */
export function requireTargets(c: TrainingConfig, g: GroupedData, ds: LoadedDataset): void {
  if (c.model.model_type === 'supervised' && !g.Y) {
    throw new PtychoError(
      'contract',
      `${ds.fileName}: supervised training needs ground-truth patches (objectGuess or Y) for every group`,
      "add objectGuess (or Y) to the scan, or use model_type 'pinn'",
    );
  }
}

/**
 * Put the training groups (and those of a validation scan `v`, when given) on the GPU and return which resident
 * groups train and which validate: the validation scan's groups, else a held-out fraction of the training groups.
 */
export function residentTrainingSet(
  model: PtychoPINN,
  c: TrainingConfig,
  ds: LoadedDataset,
  g: GroupedData,
  v: GroupedData | null,
): { train: Int32Array; val: Int32Array } {
  const probe = ds.raw.probeGuess.data as Float32Array;
  if (v) {
    // Validation groups from the test scan are appended after the training groups in the resident dataset
    // (each scan normalised on its own, so one physics scale serves both).
    model.setData({
      X: concat(g.X, v.X),
      coordsRelative: concat(g.coordsRelative, v.coordsRelative),
      probe,
      S: g.physicsScale,
      Y: g.Y && v.Y ? concat(g.Y, v.Y) : undefined,
    });
    return {
      train: Int32Array.from({ length: g.B }, (_, i) => i),
      val: Int32Array.from({ length: v.B }, (_, i) => g.B + i),
    };
  }
  model.setData({ X: g.X, coordsRelative: g.coordsRelative, probe, S: g.physicsScale, Y: g.Y });
  return splitTrainVal(g.B, c.validation_fraction, c.seed);
}

/** The TrainingRun options of the config (optimizer, schedule, early stopping), continuing `resume` when given. */
export function trainOptions(
  c: TrainingConfig,
  split: { train: Int32Array; val: Int32Array },
  checkpointOptimizer: boolean,
  resume: TrainingCheckpoint | undefined,
): TrainOptions {
  return {
    epochs: c.nepochs,
    batchSize: c.batch_size,
    learningRate: c.learning_rate,
    scheduler: c.scheduler,
    schedulerOptions: {
      plateauFactor: c.plateau_factor,
      plateauPatience: c.plateau_patience,
      plateauMinLr: c.plateau_min_lr,
      plateauThreshold: c.plateau_threshold,
      warmupEpochs: c.lr_warmup_epochs,
      minRatio: c.lr_min_ratio,
    },
    weightDecay: c.weight_decay,
    beta1: c.adam_beta1,
    beta2: c.adam_beta2,
    gradientClipNorm: c.gradient_clip_val,
    earlyStopPatience: c.early_stop_patience,
    seed: c.seed,
    trainIndices: split.train,
    valIndices: split.val,
    checkpointOptimizer,
    resume: resume ? { startEpoch: resume.epoch + 1, adam: resume.adam, history: resume.history } : undefined,
  };
}

/** What the live preview needs of the engine: the scan's size, draining the GPU queue, and the preview itself. */
export interface PreviewSource {
  patterns: () => number;
  sync: () => Promise<void>;
  preview: (maxSide: number) => Promise<PreviewImage>;
}

/**
 * The live preview between steps, throttled so previews take at most `previewBudget` of the run's wall time,
 * counted over the whole run: a preview starts only when the time spent on previews so far plus its expected
 * cost stays within the budget of the elapsed time plus that cost. The expected cost is the last preview's; the
 * first one is estimated from the step rate (a preview of the whole scan costs ~10 % of training on the same
 * patterns, measured on SwiftShader: N 32, 256 patterns, 1.4 s vs 59 ms per pattern; 0.15 leaves a margin).
 */
export function previewScheduler(
  src: PreviewSource,
  events: TrainEvents,
  stats: PreviewStats,
  t0: number,
  lastStep: () => StepEvent | null,
): () => Promise<void> {
  const budget = Math.min(0.5, Math.max(0.01, events.previewBudget ?? 0.12));
  const minInterval = events.previewMinIntervalS ?? 2;
  const maxSide = events.previewMaxSide ?? 256;
  let lastEnd = t0;
  let lastCost: number | null = null;
  return async () => {
    const step = lastStep();
    if (!step) return;
    const now = performance.now();
    const patterns = src.patterns();
    const cost = lastCost ?? (0.15 * patterns) / Math.max(step.patternsPerSecond, 1e-6);
    const elapsed = (now - t0) / 1000;
    if ((now - lastEnd) / 1000 < minInterval || stats.seconds + cost > budget * (elapsed + cost)) return;
    // Drain the queued training work first so the preview's own cost is what gets measured.
    await src.sync();
    const ts = performance.now();
    const p = await src.preview(maxSide);
    const te = performance.now();
    lastCost = (te - ts) / 1000;
    lastEnd = te;
    stats.count++;
    stats.seconds += lastCost;
    const overhead = stats.seconds / Math.max((te - t0) / 1000, 1e-9);
    events.onPreview?.({ ...p, epoch: step.epoch, step: step.step, overhead });
  };
}

/** A run's epoch-end checkpoint as a TrainingCheckpoint of the scan, config, history and physics scale. */
export function checkpointFrom(
  k: RunCheckpoint,
  fixed: Map<string, Float32Array>,
  s: { ds: LoadedDataset; config: TrainingConfig; model: PtychoPINN; history: EpochEvent[]; physicsScale: number },
): TrainingCheckpoint {
  const { ds } = s;
  return {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    createdAt: new Date().toISOString(),
    dataset: { fileName: ds.fileName, sha256: ds.sha256, nPatterns: ds.raw.nPatterns, N: ds.raw.N },
    config: s.config,
    epoch: k.epoch,
    // Parameters that are not trained (the reference's unused forward-model scalars) keep their start values.
    weights: [...s.model.params].map(([name, t]) => ({
      name,
      shape: t.shape.slice(),
      data: k.weights.get(name) ?? fixed.get(name)!,
    })),
    adam: k.adam ?? { m: [], v: [], t: 0 },
    history: s.history.slice(),
    physicsScale: s.physicsScale,
  };
}

/** A checkpoint can continue training here: it was trained on the loaded scan and carries the optimizer state. */
export function checkResumable(k: TrainingCheckpoint, ds: LoadedDataset): void {
  if (k.dataset.sha256 !== ds.sha256) {
    throw new PtychoError(
      'model-archive',
      `the checkpoint was trained on ${k.dataset.fileName} (sha256 ${k.dataset.sha256.slice(0, 12)}…), but the loaded scan is ${ds.fileName} (${ds.sha256.slice(0, 12)}…)`,
      `load ${k.dataset.fileName} again, or export the checkpoint as a model instead`,
    );
  }
  if (k.adam.m.length === 0)
    throw new PtychoError(
      'model-archive',
      'the checkpoint has no optimizer state',
      'export it as a model; it cannot continue training',
    );
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const o = new Float32Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
}
