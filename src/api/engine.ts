import { makeTrainingConfig, validateTrainingConfig, withProbeSize, type TrainingConfig } from '../config/schema';
import { dataclassToLegacyDict } from '../config/legacy';
import { PtychoError } from '../errors';
import { Gpu } from '../gpu/kernel';
import type { StitchOptions } from '../gpu/ops/stitch';
import { readModelArchive, sha256Hex, writeModelArchive, ARCHIVE_FORMAT, ARCHIVE_VERSION } from '../pipeline/archive/modelArchive';
import { readTorchBundle } from '../pipeline/archive/torchBundle';
import { groupScan, type GroupedData } from '../pipeline/container';
import { toRawData } from '../pipeline/contract';
import { evaluateReconstruction, type ReconstructionMetrics } from '../pipeline/metrics';
import type { NdArray } from '../pipeline/ndarray';
import { readArrayFile, writeNpz } from '../pipeline/npz';
import type { RawData } from '../pipeline/rawData';
import { summarize, type DatasetSummary } from '../pipeline/summary';
import { reconstructObject, type ReconstructionImage } from '../model/infer';
import { PtychoPINN, type PtychoPINNSpec } from '../model/ptychopinn';
import { splitTrainVal, TrainingRun, type EpochEvent, type StepEvent, type TrainResult } from '../model/train';

export const APP_VERSION = '0.1.0';

/**
 * The engine facade used by the Web Worker and the CLI (design.md §1): load a scan, configure, train, reconstruct,
 * save / open models, export. It owns the GPU and the model; callers pass plain data in and get plain data out.
 * A failed load never replaces the loaded dataset; a failed training run leaves the last good weights in place.
 */
export interface LoadedDataset {
  fileName: string;
  arrays: Record<string, NdArray>;
  raw: RawData;
  summary: DatasetSummary;
  sha256: string;
}

export interface ReconstructionProduct {
  image: ReconstructionImage;
  metrics?: ReconstructionMetrics;
  stitch: StitchOptions['method'];
}

export class Engine {
  dataset: LoadedDataset | null = null;
  /** Optional separate validation scan (a "test" file); otherwise a held-out fraction of the groups. */
  validation: LoadedDataset | null = null;
  config: TrainingConfig = makeTrainingConfig();
  model: PtychoPINN | null = null;
  history: EpochEvent[] = [];
  private run: TrainingRun | null = null;
  private physicsScale = 1;

  private constructor(readonly gpu: Gpu) {}

  static async create(): Promise<Engine> {
    return new Engine(await Gpu.create());
  }

  /** Parse and check a scan; on error the previously loaded dataset stays. */
  async loadDataset(bytes: Uint8Array, fileName: string): Promise<DatasetSummary> {
    const arrays = readArrayFile(bytes, { fileName });
    const raw = toRawData(arrays, { fileName });
    const summary = summarize(arrays, raw, fileName);
    const sha256 = await sha256Hex(bytes);
    this.dataset = { fileName, arrays, raw, summary, sha256 };
    if (this.model && this.model.N !== raw.N) this.disposeModel();
    this.config = withProbeSize(this.config, raw.N);
    if (raw.nphotons !== undefined && this.config.nphotons === makeTrainingConfig().nphotons) this.config = { ...this.config, nphotons: raw.nphotons };
    return summary;
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
      throw new PtychoError('contract', `${fileName}: validation patterns are ${raw.N}×${raw.N} but the training scan's are ${this.dataset.raw.N}×${this.dataset.raw.N}`, 'use a test file from the same experiment');
    }
    const summary = summarize(arrays, raw, fileName);
    this.validation = { fileName, arrays, raw, summary, sha256: await sha256Hex(bytes) };
    return summary;
  }

  setConfig(cfg: TrainingConfig): void {
    validateTrainingConfig(cfg);
    const c = this.dataset ? withProbeSize(cfg, this.dataset.raw.N) : cfg;
    const m = this.model?.spec;
    if (m && (m.generator.nFiltersScale !== c.model.n_filters_scale || m.gridsize !== c.model.gridsize || m.generator.cbam !== c.model.cbam_encoder || m.generator.probeBig !== c.model.probe_big || m.generator.ampActivation !== c.model.amp_activation || m.objectBig !== c.model.object_big)) {
      this.disposeModel();
    }
    this.config = c;
  }

  private requireDataset(): LoadedDataset {
    if (!this.dataset) throw new PtychoError('cli-usage', 'no dataset is loaded', 'load a scan (.npz) first');
    return this.dataset;
  }

  static modelSpec(cfg: TrainingConfig): PtychoPINNSpec {
    const m = cfg.model;
    if (m.architecture !== 'cnn') throw new PtychoError('config', `architecture '${m.architecture}' is not available in PtychoPINN Web: the engine provides the reference CNN generator only`, "set model.architecture to 'cnn'");
    const C = m.object_big ? m.gridsize * m.gridsize : 1;
    return {
      generator: { N: m.N, C, nFiltersScale: m.n_filters_scale, cbam: m.cbam_encoder, probeBig: m.probe_big, ampActivation: m.amp_activation },
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

  private ensureModel(): PtychoPINN {
    if (!this.model) this.model = new PtychoPINN(this.gpu, Engine.modelSpec(this.config), undefined, this.config.seed);
    return this.model;
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

  /** Train on the loaded scan with the current config; events report progress. */
  async train(events: { onStep?: (e: StepEvent) => void; onEpoch?: (e: EpochEvent) => void } = {}): Promise<TrainResult & { groups: number; warnings: string[] }> {
    const ds = this.requireDataset();
    const c = this.config;
    const model = this.ensureModel();
    const g = this.grouped(ds.raw, false);
    if (c.model.model_type === 'supervised' && !g.Y) {
      throw new PtychoError('contract', `${ds.fileName}: supervised training needs ground-truth patches (objectGuess or Y) for every group`, "add objectGuess (or Y) to the scan, or use model_type 'pinn'");
    }
    this.physicsScale = g.physicsScale;
    let train: Int32Array, val: Int32Array;
    if (this.validation) {
      // Validation groups from the test scan are appended after the training groups in the resident dataset
      // (each scan normalised on its own, so one physics scale serves both).
      const v = this.grouped(this.validation.raw, false);
      const cat = (a: Float32Array, b: Float32Array) => {
        const o = new Float32Array(a.length + b.length);
        o.set(a);
        o.set(b, a.length);
        return o;
      };
      model.setData({ X: cat(g.X, v.X), coordsRelative: cat(g.coordsRelative, v.coordsRelative), probe: ds.raw.probeGuess.data as Float32Array, S: g.physicsScale, Y: g.Y && v.Y ? cat(g.Y, v.Y) : undefined });
      train = Int32Array.from({ length: g.B }, (_, i) => i);
      val = Int32Array.from({ length: v.B }, (_, i) => g.B + i);
    } else {
      model.setData({ X: g.X, coordsRelative: g.coordsRelative, probe: ds.raw.probeGuess.data as Float32Array, S: g.physicsScale, Y: g.Y });
      ({ train, val } = splitTrainVal(g.B, c.validation_fraction, c.seed));
    }
    const run = new TrainingRun(this.gpu, model, {
      epochs: c.nepochs,
      batchSize: c.batch_size,
      learningRate: c.learning_rate,
      scheduler: c.scheduler,
      schedulerOptions: { plateauFactor: c.plateau_factor, plateauPatience: c.plateau_patience, plateauMinLr: c.plateau_min_lr, plateauThreshold: c.plateau_threshold, warmupEpochs: c.lr_warmup_epochs, minRatio: c.lr_min_ratio },
      weightDecay: c.weight_decay,
      beta1: c.adam_beta1,
      beta2: c.adam_beta2,
      gradientClipNorm: c.gradient_clip_val,
      earlyStopPatience: c.early_stop_patience,
      seed: c.seed,
      trainIndices: train,
      valIndices: val,
    });
    run.onStep = events.onStep;
    run.onEpoch = (e) => {
      this.history.push(e);
      events.onEpoch?.(e);
    };
    this.run = run;
    try {
      const r = await run.run();
      return { ...r, groups: g.B, warnings: g.warnings };
    } finally {
      this.run = null;
    }
  }

  /** Mean loss of the current model over the training groups (no gradient, no update). */
  async evaluateLoss(): Promise<number> {
    const ds = this.requireDataset();
    const model = this.ensureModel();
    const g = this.grouped(ds.raw, false);
    model.setData({ X: g.X, coordsRelative: g.coordsRelative, probe: ds.raw.probeGuess.data as Float32Array, S: g.physicsScale, Y: g.Y });
    const all = Int32Array.from({ length: g.B }, (_, i) => i);
    const r = new TrainingRun(this.gpu, model, { epochs: 1, batchSize: this.config.batch_size, learningRate: this.config.learning_rate, seed: this.config.seed, trainIndices: all });
    return r.evaluate(all);
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

  /** Predict every scan position's patch and stitch the object; metrics against objectGuess when present. */
  async reconstruct(opts: { stitch?: StitchOptions['method']; onProgress?: (done: number, total: number) => void } = {}): Promise<ReconstructionProduct> {
    const ds = this.requireDataset();
    if (!this.model) throw new PtychoError('cli-usage', 'no model: train one or open a model file first', 'train, or open a model .zip');
    const model = this.model;
    const g = this.grouped(ds.raw, true);
    model.setData({ X: g.X, coordsRelative: g.coordsRelative, probe: ds.raw.probeGuess.data as Float32Array, S: g.physicsScale });
    const pos = new Float64Array(g.B * g.C * 2);
    for (let k = 0; k < g.B * g.C; k++) {
      pos[2 * k] = ds.raw.xcoords[g.nnIndices[k]];
      pos[2 * k + 1] = ds.raw.ycoords[g.nnIndices[k]];
    }
    const method = opts.stitch ?? 'barycentric';
    const N = model.N;
    const image = await reconstructObject(this.gpu, model, pos, g.coordsRelative, {
      stitch: { method, middleTrim: N / 2, weighting: 'probe', probe: ds.raw.probeGuess.data as Float32Array, crop: Math.min(20, N / 2) },
      onProgress: opts.onProgress,
    });
    let metrics: ReconstructionMetrics | undefined;
    if (ds.raw.objectGuess) {
      const [H, W] = ds.raw.objectGuess.shape;
      metrics = evaluateReconstruction({ data: image.object, width: image.width, height: image.height }, image.origin, { data: ds.raw.objectGuess.data as Float32Array, width: W, height: H }, { weights: image.weights });
    }
    return { image, metrics, stitch: method };
  }

  /** The reconstruction as an NPZ: object (complex64), amplitude, phase, weights, origin [x, y], metrics (JSON). */
  static reconstructionNpz(p: ReconstructionProduct): Uint8Array {
    const { image } = p;
    const n = image.width * image.height;
    const amp = new Float32Array(n), phase = new Float32Array(n);
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
    if (p.metrics) arrays.metrics = { dtype: 'str', shape: [], data: new Uint8Array(0), text: JSON.stringify(metricsSummary(p.metrics)) };
    return writeNpz(arrays, { compress: true });
  }

  async saveModel(): Promise<Uint8Array> {
    if (!this.model) throw new PtychoError('cli-usage', 'no model to save', 'train or open a model first');
    const weights = await this.model.stateDict();
    const params: Record<string, unknown> = { ...dataclassToLegacyDict(this.config), intensity_scale: this.physicsScale, _version: `${APP_VERSION}-webgpu` };
    return writeModelArchive({
      manifest: { format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, models: ['diffraction_to_obj'], backend: 'webgpu', appVersion: APP_VERSION, createdAt: new Date().toISOString(), datasetSha256: this.dataset?.sha256 ?? null, seed: this.config.seed },
      params,
      config: { model: { ...this.config.model }, training: { ...this.config, model: undefined } as Record<string, unknown> },
      weights: new Map([...weights].map(([k, v]) => [k, { shape: this.model!.params.get(k)!.shape.slice(), data: v }])),
      history: this.history.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, valLoss: e.valLoss, learningRate: e.learningRate })),
    });
  }

  /** Open our native archive or the reference's PyTorch wts.h5.zip. */
  openModel(bytes: Uint8Array, fileName: string): { kind: 'native' | 'torch'; config: TrainingConfig } {
    const isNative = (() => {
      try {
        const a = readModelArchive(bytes, fileName);
        const cfg = makeTrainingConfig({ ...(a.config.training as object), model: a.config.model as object } as never);
        this.installModel(cfg, new Map([...a.weights].map(([k, v]) => [k, v.data])));
        this.history = a.history.map((h) => ({ ...h, seconds: 0, patternsPerSecond: 0 }));
        return true;
      } catch (e) {
        if (e instanceof PtychoError && /not a PtychoPINN Web model archive|member manifest\.json is missing/.test(e.message)) return false;
        throw e;
      }
    })();
    if (isNative) return { kind: 'native', config: this.config };
    const b = readTorchBundle(bytes, fileName);
    const p = b.params;
    const cfg = makeTrainingConfig({
      nphotons: Number(p.nphotons ?? 1e9),
      neighbor_count: Number(p.neighbor_count ?? 4),
      model: {
        N: Number(p.N) as never,
        gridsize: Number(p.gridsize ?? 1),
        n_filters_scale: Number(p.n_filters_scale ?? 2),
        amp_activation: (p.amp_activation as never) ?? 'sigmoid',
        object_big: p['object.big'] !== false,
        probe_big: p['probe.big'] !== false,
        probe_mask: p['probe.mask'] === true,
        probe_scale: Number(p.probe_scale ?? 4),
        cbam_encoder: [...b.stateDict.keys()].some((k) => k.includes('.attention.')),
      },
    });
    this.installModel(cfg, new Map([...b.stateDict].map(([k, v]) => [k, v.data])));
    this.physicsScale = Number(p.intensity_scale ?? 1);
    return { kind: 'torch', config: cfg };
  }

  private installModel(cfg: TrainingConfig, weights: Map<string, Float32Array>): void {
    if (this.dataset && cfg.model.N !== this.dataset.raw.N) {
      throw new PtychoError('model-archive', `the model expects ${cfg.model.N}×${cfg.model.N} patterns but the loaded scan has ${this.dataset.raw.N}×${this.dataset.raw.N}`, 'open a model trained on data of the same N');
    }
    const model = new PtychoPINN(this.gpu, Engine.modelSpec(cfg), weights, cfg.seed);
    this.disposeModel();
    this.model = model;
    this.config = cfg;
  }

  /** The loaded scan in the raw contract (Ptychodus export_training_data). */
  exportTrainingData(): Uint8Array {
    const ds = this.requireDataset();
    return writeNpz(ds.arrays, { compress: false });
  }

  private disposeModel(): void {
    this.model?.dispose();
    this.model = null;
  }

  destroy(): void {
    this.disposeModel();
    this.gpu.destroy();
  }
}

/** Plain-number metrics for JSON / UI. */
export function metricsSummary(m: ReconstructionMetrics) {
  return {
    amplitude: { ssim: m.amplitude.ssim, psnr: m.amplitude.psnr, frcResolutionPx: m.amplitude.frc.resolutionPx },
    phase: { ssim: m.phase.ssim, psnr: m.phase.psnr, frcResolutionPx: m.phase.frc.resolutionPx },
    frcThreshold: m.amplitude.frc.thresholdKind,
    phaseOffset: m.phaseOffset,
    amplitudeScale: m.amplitudeScale,
    region: m.region,
  };
}
