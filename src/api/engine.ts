/**
 * The engine facade (design.md §1): load a scan, configure, train with live previews and checkpoints,
 * reconstruct, open / save models, export. The Web Worker, the CLI and the reconstructor API use it and nothing
 * beneath it; it owns the GPU and the model, and callers pass plain data in and get plain data out
 * (src/api/types.ts). A failed load never replaces the loaded dataset; a failed training run leaves the last good
 * weights in place.
 */
import { makeTrainingConfig, validateTrainingConfig, withProbeSize, type TrainingConfig } from '../config/schema';
import { PtychoError } from '../errors';
import { Gpu } from '../gpu/kernel';
import { sha256Hex } from '../pipeline/archive/modelArchive';
import { groupScan, type GroupedData } from '../pipeline/container';
import { toRawData } from '../pipeline/contract';
import { evaluateReconstruction, type ReconstructionMetrics } from '../pipeline/metrics';
import type { NdArray } from '../pipeline/ndarray';
import { readArrayFile, writeNpz } from '../pipeline/npz';
import { productPhysicsFromMetadata, writePtychodusProduct } from '../pipeline/product';
import type { RawData } from '../pipeline/rawData';
import { simulateDataset, type SimulateOptions } from '../pipeline/simulate';
import { summarize, type DatasetSummary } from '../pipeline/summary';
import { autotune, autotuneEnabled } from '../gpu/autotune';
import { reconstructObject, reconstructPreview, type PreviewImage, type ReconstructionImage } from '../model/infer';
import { PtychoPINN, type PtychoPINNSpec, type ResidentSet } from '../model/ptychopinn';
import {
  splitTrainVal,
  TrainingRun,
  type EpochEvent,
  type RunCheckpoint,
  type StepEvent,
  type TrainResult,
} from '../model/train';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, checkCheckpoint, type TrainingCheckpoint } from './checkpoint';
import { buildModelArchive, fileKind, nativeArchiveToTorchBundle, readModelFile, type FileKind } from './modelFiles';
import { complexPreview, patternPreview } from './previews';
import type {
  DatasetPreview,
  GpuInfo,
  LivePreview,
  MetricsSummary,
  ModelInfo,
  ResultImage,
  StitchMethod,
} from './types';

export { APP_VERSION } from './modelFiles';

export interface LoadedDataset {
  fileName: string;
  arrays: Record<string, NdArray>;
  raw: RawData;
  summary: DatasetSummary;
  sha256: string;
  bytes: Uint8Array;
}

export interface ReconstructionProduct {
  image: ReconstructionImage;
  metrics?: ReconstructionMetrics;
  stitch: StitchMethod;
}

export interface TrainEvents {
  onStep?: (e: StepEvent) => void;
  onEpoch?: (e: EpochEvent) => void;
  /** The stitched object of the whole scan, display-sized, refreshed while training (see `previewBudget`). */
  onPreview?: (p: LivePreview) => void;
  /** A checkpoint at the end of each good epoch (awaited: persist it here). */
  onCheckpoint?: (c: TrainingCheckpoint) => void | Promise<void>;
  /** Longest side of the live preview in pixels (default 256). */
  previewMaxSide?: number;
  /** Largest fraction of the run's wall time the live previews may take (default 0.12). */
  previewBudget?: number;
  /** Shortest time between previews in seconds (default 2). */
  previewMinIntervalS?: number;
  /** Continue from this checkpoint (same scan) instead of starting from epoch 1. */
  resume?: TrainingCheckpoint;
  /** Called once the model and the training data are on the GPU, before the first step. */
  onStart?: (model: ModelInfo) => void;
}

export interface EngineTrainResult extends TrainResult {
  groups: number;
  warnings: string[];
  /** Live-preview cost: previews shown, seconds they took, and their share of the run's wall time. */
  preview: { count: number; seconds: number; wallSeconds: number; overhead: number };
}

/** A scan made in the page or by the CLI from the same simulation code (src/pipeline/simulate.ts). */
export interface SimulateRequest extends Pick<
  SimulateOptions,
  'N' | 'nImages' | 'nphotons' | 'noise' | 'seed' | 'objectSize' | 'gridStep'
> {
  object: 'lines' | 'grf';
  /** 'default' (the reference's probe) or 'dataset' (the probe of the loaded scan). */
  probe: 'default' | 'dataset';
  positions: 'random' | 'grid';
}

export class Engine {
  dataset: LoadedDataset | null = null;
  /** Optional separate validation scan (a "test" file); otherwise a held-out fraction of the groups. */
  validation: LoadedDataset | null = null;
  config: TrainingConfig = makeTrainingConfig();
  model: PtychoPINN | null = null;
  modelInfo: ModelInfo | null = null;
  history: EpochEvent[] = [];
  /** The latest reconstruction (what `reconstructionNpz` exports). */
  lastProduct: ReconstructionProduct | null = null;
  private run: TrainingRun | null = null;
  private physicsScale = 1;
  /** Config paths the user set explicitly (a file, a link, the form): a scan's metadata does not override them. */
  private explicit = new Set<string>();
  /** Every scan position of the loaded dataset resident on the GPU for inference (built once per scan + model). */
  private inference: { set: ResidentSet; positions: Float64Array; physicsScale: number } | null = null;

  private constructor(
    private readonly device: Gpu | null,
    readonly gpuError: PtychoError | null = null,
  ) {}

  /**
   * An engine on the best GPU adapter. With `allowNoGpu`, an engine without WebGPU is returned instead of an
   * error: it loads, checks and previews scans and simulates, and every GPU operation throws `gpuError`.
   */
  static async create(opts: { allowNoGpu?: boolean } = {}): Promise<Engine> {
    try {
      // Kernel variants are measured on first use (train / reconstruct, tuneKernels), not here: opening the page stays fast.
      return new Engine(await Gpu.create());
    } catch (e) {
      if (!opts.allowNoGpu) throw e;
      return new Engine(
        null,
        e instanceof PtychoError ? e : new PtychoError('gpu-unavailable', String((e as Error)?.message ?? e), ''),
      );
    }
  }

  get gpu(): Gpu {
    if (!this.device) throw this.gpuError ?? new PtychoError('gpu-unavailable', 'no GPU', '');
    return this.device;
  }

  /** Resolves when the GPU device is lost (driver reset, another tab, sleep): the caller offers to resume. */
  get lost(): Promise<{ reason: string; message: string }> {
    return this.device ? this.device.lost : new Promise(() => {});
  }

  gpuInfo(): GpuInfo {
    if (!this.device) {
      return {
        available: false,
        description: 'WebGPU unavailable',
        isFallbackAdapter: false,
        reason: this.gpuError?.message,
        hint: this.gpuError?.hint,
      };
    }
    const a = this.gpu.adapter;
    const m = this.gpu.memory();
    const name = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'unknown adapter';
    return {
      available: true,
      description: name,
      isFallbackAdapter: a.isFallbackAdapter,
      runtime: a.runtime,
      memory: { allocatedBytes: m.allocatedBytes, inUseBytes: m.inUseBytes, peakInUseBytes: m.peakInUseBytes },
    };
  }

  static fileKind(bytes: Uint8Array): FileKind {
    return fileKind(bytes);
  }

  /** Parse and check a scan; on error the previously loaded dataset stays. N follows the probe; nphotons the file's metadata unless set explicitly. */
  async loadDataset(bytes: Uint8Array, fileName: string): Promise<DatasetSummary> {
    const arrays = readArrayFile(bytes, { fileName });
    const raw = toRawData(arrays, { fileName });
    const summary = summarize(arrays, raw, fileName);
    const config = withProbeSize(this.config, raw.N);
    const sha256 = await sha256Hex(bytes);
    this.dataset = { fileName, arrays, raw, summary, sha256, bytes };
    this.disposeInference();
    this.lastProduct = null;
    if (this.model && this.model.N !== raw.N) this.disposeModel();
    this.config = config;
    if (raw.nphotons !== undefined && !this.explicit.has('nphotons'))
      this.config = { ...this.config, nphotons: raw.nphotons };
    return summary;
  }

  /** A synthetic scan from the simulation code, loaded as the dataset; returns its NPZ bytes and name too. */
  async simulate(req: SimulateRequest): Promise<{ summary: DatasetSummary; bytes: Uint8Array; fileName: string }> {
    const opts: SimulateOptions = {
      object: req.object,
      probe: req.probe === 'dataset' ? this.requireDataset().raw.probeGuess : 'default',
      positions: req.positions,
      N: req.probe === 'dataset' ? undefined : req.N,
      nImages: req.nImages,
      nphotons: req.nphotons,
      noise: req.noise,
      seed: req.seed,
      objectSize: req.objectSize,
      gridStep: req.gridStep,
    };
    if (req.nphotons !== undefined && !(req.nphotons > 0 && Number.isFinite(req.nphotons))) {
      throw new PtychoError(
        'config',
        `simulate: nphotons ${req.nphotons} must be a finite number > 0`,
        'e.g. 1e6 (noisier) … 1e9',
      );
    }
    if (req.nImages !== undefined && !(Number.isInteger(req.nImages) && req.nImages >= 2)) {
      throw new PtychoError('config', `simulate: ${req.nImages} scan positions`, 'use at least 2 positions');
    }
    const arrays = simulateDataset(opts);
    const bytes = writeNpz(arrays, { compress: true });
    const fileName = `simulated-${req.object}-N${arrays.diff3d.shape[1]}-seed${req.seed ?? 42}.npz`;
    return { summary: await this.loadDataset(bytes, fileName), bytes, fileName };
  }

  /** What the dataset panel draws: objectGuess, probe, the first pattern (display-sized) and the scan positions. */
  datasetPreview(): DatasetPreview {
    const { raw, summary } = this.requireDataset();
    const obj = raw.objectGuess ? complexPreview(raw.objectGuess) : undefined;
    const probe = complexPreview(raw.probeGuess);
    return {
      summary,
      objectAmplitude: obj?.amplitude,
      objectPhase: obj?.phase,
      probeAmplitude: probe.amplitude,
      probePhase: probe.phase,
      pattern: patternPreview(raw.diffraction),
      scanX: Float32Array.from(raw.xcoords),
      scanY: Float32Array.from(raw.ycoords),
    };
  }

  /** A separate validation scan (same probe and N as the training scan); `null` clears it. */
  async loadValidationDataset(bytes: Uint8Array | null, fileName = 'test_data.npz'): Promise<DatasetSummary | null> {
    if (!bytes) {
      this.validation = null;
      return null;
    }
    const arrays = readArrayFile(bytes, { fileName });
    const raw = toRawData(arrays, { fileName });
    if (this.dataset && raw.N !== this.dataset.raw.N) {
      throw new PtychoError(
        'contract',
        `${fileName}: validation patterns are ${raw.N}×${raw.N} but the training scan's are ${this.dataset.raw.N}×${this.dataset.raw.N}`,
        'use a test file from the same experiment',
      );
    }
    const summary = summarize(arrays, raw, fileName);
    this.validation = { fileName, arrays, raw, summary, sha256: await sha256Hex(bytes), bytes };
    return summary;
  }

  /**
   * Set the config (validated; N follows the loaded scan's probe). `explicit`: the paths the user set (a config
   * file's or link's `given`, a form edit) — the next scan's metadata will not override them. A change of model
   * shape drops the current model.
   */
  setConfig(
    cfg: TrainingConfig,
    opts: { explicit?: readonly string[]; replaceExplicit?: boolean } = {},
  ): TrainingConfig {
    validateTrainingConfig(cfg);
    const c = this.dataset ? withProbeSize(cfg, this.dataset.raw.N) : cfg;
    if (this.model) {
      const spec = Engine.modelSpec(c);
      if (!sameModelShape(this.model.spec, spec)) this.disposeModel();
      else {
        // Same parameters, other physics or loss settings: keep the weights, rebuild what depends on the spec.
        this.disposeInference();
        this.model.respec(spec);
      }
    }
    if (opts.replaceExplicit) this.explicit.clear();
    for (const p of opts.explicit ?? []) this.explicit.add(p);
    this.config = c;
    return c;
  }

  private requireDataset(): LoadedDataset {
    if (!this.dataset) throw new PtychoError('cli-usage', 'no dataset is loaded', 'load a scan (.npz) first');
    return this.dataset;
  }

  static modelSpec(cfg: TrainingConfig): PtychoPINNSpec {
    const m = cfg.model;
    if (m.architecture !== 'cnn')
      throw new PtychoError(
        'config',
        `architecture '${m.architecture}' is not available in PtychoPINN Web: the engine provides the reference CNN generator only`,
        "set model.architecture to 'cnn'",
      );
    const C = m.object_big ? m.gridsize * m.gridsize : 1;
    return {
      generator: {
        N: m.N,
        C,
        nFiltersScale: m.n_filters_scale,
        cbam: m.cbam_encoder,
        probeBig: m.probe_big,
        ampActivation: m.amp_activation,
      },
      gridsize: m.gridsize,
      objectBig: m.object_big,
      probeScale: m.probe_scale,
      probeMask: m.probe_mask,
      M: m.N + (m.gridsize - 1) * 4,
      lossMode: cfg.torch_loss_mode,
      modelType: m.model_type,
      ampLoss: m.amp_loss ? { kind: m.amp_loss, coeff: m.amp_loss_coeff } : null,
      phaseLoss: m.phase_loss ? { kind: m.phase_loss, coeff: m.phase_loss_coeff } : null,
    };
  }

  private newModel(
    cfg: TrainingConfig,
    weights: Map<string, Float32Array> | undefined,
    info: Omit<ModelInfo, 'parameters' | 'N' | 'gridsize' | 'nFiltersScale'>,
  ): PtychoPINN {
    const model = new PtychoPINN(this.gpu, Engine.modelSpec(cfg), weights, cfg.seed);
    this.disposeModel();
    this.model = model;
    this.modelInfo = {
      ...info,
      N: cfg.model.N,
      gridsize: cfg.model.gridsize,
      nFiltersScale: cfg.model.n_filters_scale,
      parameters: model.parameters.reduce((s, p) => s + p.size, 0),
    };
    return model;
  }

  private ensureModel(): PtychoPINN {
    return (
      this.model ?? this.newModel(this.config, undefined, { kind: 'trained', source: this.dataset?.fileName ?? '' })
    );
  }

  private grouped(raw: RawData, forInference: boolean): GroupedData {
    const c = this.config;
    return groupScan(raw, {
      gridsize: c.model.gridsize,
      K: c.neighbor_count,
      nGroups: forInference ? raw.nPatterns : (c.n_groups ?? 512),
      seed: c.seed,
      sequential: forInference || c.sequential_sampling,
      enableOversampling: !forInference && c.enable_oversampling,
      neighborPoolSize: c.neighbor_pool_size,
      nphotons: c.nphotons,
    });
  }

  /** Every scan position of the loaded scan, grouped for inference and resident on the GPU (cached). */
  private inferenceSet(): { set: ResidentSet; positions: Float64Array; physicsScale: number } {
    if (this.inference) return this.inference;
    const ds = this.requireDataset();
    const model = this.ensureModel();
    const g = this.grouped(ds.raw, true);
    const positions = new Float64Array(g.B * g.C * 2);
    for (let k = 0; k < g.B * g.C; k++) {
      positions[2 * k] = ds.raw.xcoords[g.nnIndices[k]];
      positions[2 * k + 1] = ds.raw.ycoords[g.nnIndices[k]];
    }
    const set = model.residentSet({
      X: g.X,
      coordsRelative: g.coordsRelative,
      probe: ds.raw.probeGuess.data as Float32Array,
      S: g.physicsScale,
    });
    this.inference = { set, positions, physicsScale: g.physicsScale };
    return this.inference;
  }

  private stitchOptions(method: StitchMethod) {
    const N = this.model!.N;
    return {
      method,
      middleTrim: N / 2,
      weighting: 'probe' as const,
      probe: this.requireDataset().raw.probeGuess.data as Float32Array,
      crop: Math.min(20, N / 2),
    };
  }

  /** Train on the loaded scan with the current config (or continue a checkpoint); events report progress. */
  /** Measure the kernel variants for this adapter once, before the first computation (src/gpu/autotune.ts). */
  private async tuneKernels(): Promise<void> {
    if (this.gpu.tuning || !autotuneEnabled()) return;
    this.gpu.tuning = await autotune(this.gpu);
  }

  async train(events: TrainEvents = {}): Promise<EngineTrainResult> {
    await this.tuneKernels();
    const ds = this.requireDataset();
    const resume = events.resume ? checkCheckpoint(events.resume) : undefined;
    if (resume) this.installCheckpoint(resume);
    const c = this.config;
    const model = this.ensureModel();
    const g = this.grouped(ds.raw, false);
    if (c.model.model_type === 'supervised' && !g.Y) {
      throw new PtychoError(
        'contract',
        `${ds.fileName}: supervised training needs ground-truth patches (objectGuess or Y) for every group`,
        "add objectGuess (or Y) to the scan, or use model_type 'pinn'",
      );
    }
    this.physicsScale = g.physicsScale;
    let train: Int32Array, val: Int32Array;
    if (this.validation) {
      // Validation groups from the test scan are appended after the training groups in the resident dataset
      // (each scan normalised on its own, so one physics scale serves both).
      const v = this.grouped(this.validation.raw, false);
      model.setData({
        X: concat(g.X, v.X),
        coordsRelative: concat(g.coordsRelative, v.coordsRelative),
        probe: ds.raw.probeGuess.data as Float32Array,
        S: g.physicsScale,
        Y: g.Y && v.Y ? concat(g.Y, v.Y) : undefined,
      });
      train = Int32Array.from({ length: g.B }, (_, i) => i);
      val = Int32Array.from({ length: v.B }, (_, i) => g.B + i);
    } else {
      model.setData({
        X: g.X,
        coordsRelative: g.coordsRelative,
        probe: ds.raw.probeGuess.data as Float32Array,
        S: g.physicsScale,
        Y: g.Y,
      });
      ({ train, val } = splitTrainVal(g.B, c.validation_fraction, c.seed));
    }
    this.lastProduct = null;
    const run = new TrainingRun(this.gpu, model, {
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
      trainIndices: train,
      valIndices: val,
      checkpointOptimizer: !!events.onCheckpoint,
      resume: resume ? { startEpoch: resume.epoch + 1, adam: resume.adam, history: resume.history } : undefined,
    });
    const t0 = performance.now();
    const preview = { count: 0, seconds: 0, wallSeconds: 0, overhead: 0 };
    let lastStep: StepEvent | null = null;
    run.onStep = (e) => {
      lastStep = e;
      events.onStep?.(e);
    };
    run.onEpoch = (e) => {
      this.history.push(e);
      events.onEpoch?.(e);
    };
    if (events.onCheckpoint) {
      const onCheckpoint = events.onCheckpoint;
      const fixed = new Map<string, Float32Array>();
      for (const [name, t] of model.params) if (!t.requiresGrad) fixed.set(name, await this.gpu.read(t));
      run.onCheckpoint = (k) => onCheckpoint(this.checkpointFrom(k, fixed));
    }
    if (events.onPreview) run.afterStep = this.previewScheduler(events, preview, t0, () => lastStep);
    this.run = run;
    events.onStart?.(this.modelInfo!);
    try {
      const r = await run.run();
      preview.wallSeconds = (performance.now() - t0) / 1000;
      preview.overhead = preview.wallSeconds > 0 ? preview.seconds / preview.wallSeconds : 0;
      return { ...r, groups: g.B, warnings: g.warnings, preview };
    } finally {
      this.run = null;
    }
  }

  /**
   * The live preview between steps, throttled so previews take at most `previewBudget` of the run's wall time,
   * counted over the whole run: a preview starts only when the time spent on previews so far plus its expected
   * cost stays within the budget of the elapsed time plus that cost. The expected cost is the last preview's; the
   * first one is estimated from the step rate (a preview of the whole scan costs ~10 % of training on the same
   * patterns, measured on SwiftShader: N 32, 256 patterns, 1.4 s vs 59 ms per pattern; 0.15 leaves a margin).
   */
  private previewScheduler(
    events: TrainEvents,
    stats: EngineTrainResult['preview'],
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
      const patterns = this.inferenceSet().positions.length / 2;
      const cost = lastCost ?? (0.15 * patterns) / Math.max(step.patternsPerSecond, 1e-6);
      const elapsed = (now - t0) / 1000;
      if ((now - lastEnd) / 1000 < minInterval || stats.seconds + cost > budget * (elapsed + cost)) return;
      // Drain the queued training work first so the preview's own cost is what gets measured.
      await this.gpu.sync();
      const ts = performance.now();
      const p = await this.previewReconstruction(maxSide);
      const te = performance.now();
      lastCost = (te - ts) / 1000;
      lastEnd = te;
      stats.count++;
      stats.seconds += lastCost;
      const overhead = stats.seconds / Math.max((te - t0) / 1000, 1e-9);
      events.onPreview?.({ ...p, epoch: step.epoch, step: step.step, overhead });
    };
  }

  private checkpointFrom(k: RunCheckpoint, fixed: Map<string, Float32Array>): TrainingCheckpoint {
    const ds = this.requireDataset();
    return {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      createdAt: new Date().toISOString(),
      dataset: { fileName: ds.fileName, sha256: ds.sha256, nPatterns: ds.raw.nPatterns, N: ds.raw.N },
      config: this.config,
      epoch: k.epoch,
      // Parameters that are not trained (the reference's unused forward-model scalars) keep their start values.
      weights: [...this.model!.params].map(([name, t]) => ({
        name,
        shape: t.shape.slice(),
        data: k.weights.get(name) ?? fixed.get(name)!,
      })),
      adam: k.adam ?? { m: [], v: [], t: 0 },
      history: this.history.slice(),
      physicsScale: this.physicsScale,
    };
  }

  /** Make the checkpoint's model, config and history current (its scan must be the loaded one). */
  private installCheckpoint(k: TrainingCheckpoint): void {
    const ds = this.requireDataset();
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
    this.config = withProbeSize(k.config, ds.raw.N);
    this.newModel(this.config, new Map(k.weights.map((w) => [w.name, w.data])), {
      kind: 'checkpoint',
      source: `checkpoint of ${k.dataset.fileName}, epoch ${k.epoch + 1}`,
    });
    this.history = k.history.slice();
    this.physicsScale = k.physicsScale;
  }

  /** Drop the current model (the next `train` starts from fresh weights drawn with the config's seed). */
  resetModel(): void {
    this.disposeModel();
    this.history = [];
  }

  /** Mean loss of the current model over the training groups (no gradient, no update). */
  async evaluateLoss(): Promise<number> {
    await this.tuneKernels();
    const ds = this.requireDataset();
    const model = this.ensureModel();
    const g = this.grouped(ds.raw, false);
    model.setData({
      X: g.X,
      coordsRelative: g.coordsRelative,
      probe: ds.raw.probeGuess.data as Float32Array,
      S: g.physicsScale,
      Y: g.Y,
    });
    const all = Int32Array.from({ length: g.B }, (_, i) => i);
    const r = new TrainingRun(this.gpu, model, {
      epochs: 1,
      batchSize: this.config.batch_size,
      learningRate: this.config.learning_rate,
      seed: this.config.seed,
      trainIndices: all,
    });
    return r.evaluate(all);
  }

  get training(): boolean {
    return this.run !== null;
  }

  pause(): void {
    this.run?.pause();
  }
  resume(): void {
    this.run?.resume();
  }
  stop(): void {
    this.run?.stop();
  }

  /** The stitched object of the whole scan with the current weights, reduced on the GPU to ≤ maxSide pixels a side. */
  async previewReconstruction(maxSide = 256): Promise<PreviewImage> {
    await this.tuneKernels();
    if (!this.model)
      throw new PtychoError(
        'cli-usage',
        'no model: train one or open a model file first',
        'train, or open a model .zip',
      );
    const inf = this.inferenceSet();
    return reconstructPreview(this.gpu, this.model, inf.set, inf.positions, {
      stitch: this.stitchOptions('barycentric'),
      maxSide,
    });
  }

  /** Predict every scan position's patch and stitch the object; metrics against objectGuess when present. */
  async reconstruct(
    opts: { stitch?: StitchMethod; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<ReconstructionProduct> {
    await this.tuneKernels();
    const ds = this.requireDataset();
    if (!this.model)
      throw new PtychoError(
        'cli-usage',
        'no model: train one or open a model file first',
        'train, or open a model .zip',
      );
    const inf = this.inferenceSet();
    const method = opts.stitch ?? 'barycentric';
    const image = await reconstructObject(this.gpu, this.model, inf.set, inf.positions, {
      stitch: this.stitchOptions(method),
      onProgress: opts.onProgress,
    });
    let metrics: ReconstructionMetrics | undefined;
    if (ds.raw.objectGuess) {
      const [H, W] = ds.raw.objectGuess.shape;
      metrics = evaluateReconstruction(
        { data: image.object, width: image.width, height: image.height },
        image.origin,
        { data: ds.raw.objectGuess.data as Float32Array, width: W, height: H },
        { weights: image.weights },
      );
    }
    this.lastProduct = { image, metrics, stitch: method };
    return this.lastProduct;
  }

  /** A reconstruction as plain data for the result view: the object, weights, objectGuess on the same canvas, metrics. */
  resultImage(p: ReconstructionProduct): ResultImage {
    const { image } = p;
    const truth = this.dataset?.raw.objectGuess;
    let crop: Float32Array | undefined;
    if (truth) {
      const [H, W] = truth.shape;
      const t = truth.data as Float32Array;
      crop = new Float32Array(2 * image.width * image.height);
      for (let y = 0; y < image.height; y++) {
        const ty = y + image.origin[1];
        if (ty < 0 || ty >= H) continue;
        for (let x = 0; x < image.width; x++) {
          const tx = x + image.origin[0];
          if (tx < 0 || tx >= W) continue;
          crop[2 * (y * image.width + x)] = t[2 * (ty * W + tx)];
          crop[2 * (y * image.width + x) + 1] = t[2 * (ty * W + tx) + 1];
        }
      }
    }
    return {
      width: image.width,
      height: image.height,
      origin: image.origin,
      // Copies: the caller may transfer these buffers away; the product stays exportable here.
      object: image.object.slice(),
      weights: image.weights.slice(),
      truth: crop,
      metrics: p.metrics ? metricsSummary(p.metrics) : undefined,
      stitch: p.stitch,
      patches: image.patches,
    };
  }

  /** The reconstruction as an NPZ: object (complex64), amplitude, phase, weights, origin [x, y], stitch, metrics (JSON). */
  static reconstructionNpz(p: ReconstructionProduct): Uint8Array {
    const { image } = p;
    const n = image.width * image.height;
    const amp = new Float32Array(n),
      phase = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      amp[i] = Math.hypot(image.object[2 * i], image.object[2 * i + 1]);
      phase[i] = Math.atan2(image.object[2 * i + 1], image.object[2 * i]);
    }
    const shape = [image.height, image.width];
    const arrays: Record<string, NdArray> = {
      object: { dtype: 'c64', shape, data: image.object },
      amplitude: { dtype: 'f32', shape, data: amp },
      phase: { dtype: 'f32', shape, data: phase },
      weights: { dtype: 'f32', shape, data: image.weights },
      origin: { dtype: 'f64', shape: [2], data: Float64Array.from(image.origin) },
      stitch: { dtype: 'str', shape: [], data: new Uint8Array(0), text: p.stitch },
    };
    if (p.metrics)
      arrays.metrics = {
        dtype: 'str',
        shape: [],
        data: new Uint8Array(0),
        text: JSON.stringify(metricsSummary(p.metrics)),
      };
    return writeNpz(arrays, { compress: true });
  }

  /**
   * The latest reconstruction (`lastProduct`) as a Ptychodus NPZ product (src/pipeline/product.ts, specs/npz.md):
   * object, the loaded scan's probeGuess and positions (xcoords/ycoords), the model's loss history, and pixel size /
   * energy / distance from the scan's `_metadata` when it gives them (otherwise 1 m per pixel, said in `comments`).
   */
  reconstructionProduct(opts: { name?: string; comments?: string } = {}): Uint8Array {
    const p = this.lastProduct;
    if (!p) throw new PtychoError('cli-usage', 'no reconstruction to export', 'reconstruct first');
    const ds = this.requireDataset();
    const { image } = p;
    const loss = this.history.length
      ? { lossEpochs: this.history.map((e) => e.epoch), lossValues: this.history.map((e) => e.trainLoss) }
      : {};
    return writePtychodusProduct({
      object: image.object,
      width: image.width,
      height: image.height,
      origin: [image.origin[0], image.origin[1]],
      probe: ds.raw.probeGuess.data as Float32Array,
      positionsX: ds.raw.xcoords,
      positionsY: ds.raw.ycoords,
      ...productPhysicsFromMetadata(ds.raw.metadata),
      ...loss,
      name: opts.name ?? ds.fileName,
      comments: [
        `ptychopinn-web reconstruction of ${ds.fileName}${this.modelInfo ? ` with ${this.modelInfo.source}` : ''} (${p.stitch} stitching)`,
        opts.comments,
      ]
        .filter((c) => c)
        .join('\n'),
    });
  }

  async saveModel(): Promise<Uint8Array> {
    if (!this.model) throw new PtychoError('cli-usage', 'no model to save', 'train or open a model first');
    const weights = await this.model.stateDict();
    return buildModelArchive({
      config: this.config,
      weights: new Map([...weights].map(([k, v]) => [k, { shape: this.model!.params.get(k)!.shape.slice(), data: v }])),
      history: this.history,
      physicsScale: this.physicsScale,
      datasetSha256: this.dataset?.sha256 ?? null,
    });
  }

  /**
   * The current model as the reference's PyTorch bundle (wts.h5.zip): exactly what `ptychopinn convert --to torch`
   * makes of the archive saveModel() writes (the same shared nativeArchiveToTorchBundle).
   */
  async saveTorchBundle(): Promise<Uint8Array> {
    return nativeArchiveToTorchBundle(await this.saveModel(), 'model.zip');
  }

  /**
   * Open our native archive or the reference's PyTorch wts.h5.zip (told apart by content). A model whose N does
   * not fit the loaded scan is refused; the loaded scan and the current model then stay.
   */
  openModel(
    bytes: Uint8Array,
    fileName: string,
  ): { kind: 'native' | 'torch'; config: TrainingConfig; info: ModelInfo } {
    const m = readModelFile(bytes, fileName);
    if (this.dataset && m.config.model.N !== this.dataset.raw.N) {
      throw new PtychoError(
        'model-archive',
        `${fileName}: the model expects ${m.config.model.N}×${m.config.model.N} patterns but the loaded scan ${this.dataset.fileName} has ${this.dataset.raw.N}×${this.dataset.raw.N}`,
        `open a model trained on ${this.dataset.raw.N}×${this.dataset.raw.N} patterns, or load a scan with ${m.config.model.N}×${m.config.model.N} patterns first`,
      );
    }
    this.newModel(m.config, m.weights, { kind: m.kind, source: fileName });
    this.config = m.config;
    this.history = m.history;
    if (m.physicsScale !== null) this.physicsScale = m.physicsScale;
    this.lastProduct = null;
    return { kind: m.kind, config: m.config, info: this.modelInfo! };
  }

  /** The loaded scan in the raw contract (Ptychodus export_training_data). */
  exportTrainingData(): Uint8Array {
    const ds = this.requireDataset();
    return writeNpz(ds.arrays, { compress: false });
  }

  private disposeInference(): void {
    if (this.device?.isLost) {
      this.inference = null;
      return;
    }
    this.inference?.set.dispose();
    this.inference = null;
  }

  private disposeModel(): void {
    this.disposeInference();
    if (!this.device?.isLost) this.model?.dispose();
    this.model = null;
    this.modelInfo = null;
    this.lastProduct = null;
  }

  destroy(): void {
    if (!this.device) return;
    if (!this.device.isLost) this.disposeModel();
    this.device.destroy();
  }
}

function concat(a: Float32Array, b: Float32Array): Float32Array {
  const o = new Float32Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
}

/** Two specs build the same parameters and the same physics (so trained weights stay valid). */
function sameModelShape(a: PtychoPINNSpec, b: PtychoPINNSpec): boolean {
  const ga = a.generator,
    gb = b.generator;
  return (
    ga.N === gb.N &&
    ga.C === gb.C &&
    ga.nFiltersScale === gb.nFiltersScale &&
    ga.cbam === gb.cbam &&
    ga.probeBig === gb.probeBig &&
    ga.ampActivation === gb.ampActivation &&
    a.gridsize === b.gridsize &&
    a.objectBig === b.objectBig &&
    a.M === b.M &&
    !!a.intensityScaleTrainable === !!b.intensityScaleTrainable
  );
}

/** Plain-number metrics for JSON / UI. */
export function metricsSummary(m: ReconstructionMetrics): MetricsSummary {
  return {
    amplitude: { ssim: m.amplitude.ssim, psnr: m.amplitude.psnr, frcResolutionPx: m.amplitude.frc.resolutionPx },
    phase: { ssim: m.phase.ssim, psnr: m.phase.psnr, frcResolutionPx: m.phase.frc.resolutionPx },
    frcThreshold: m.amplitude.frc.thresholdKind,
    phaseOffset: m.phaseOffset,
    amplitudeScale: m.amplitudeScale,
    region: m.region,
  };
}
