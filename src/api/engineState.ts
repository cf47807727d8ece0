/**
 * The state beneath the engine facade (src/api/engine.ts): the GPU, the loaded scans, the config and the model,
 * and their lifetimes — a scan replaces the previous one only once it has loaded, a config that changes the
 * model's shape drops the model, and the inference set resident on the GPU is rebuilt when the scan or the model
 * changes. The operations on this state (train, reconstruct, open / save, exports) are Engine's.
 */
import { withAmplitudeLevel } from '../config/amplitudeLevel';
import type { RawData } from '../pipeline/rawData';
import { makeTrainingConfig, validateTrainingConfig, withProbeSize, type TrainingConfig } from '../config/schema';
import { PtychoError } from '../errors';
import type { Gpu } from '../gpu/runtime';
import { autotune, autotuneEnabled } from '../gpu/autotune';
import { writeNpz } from '../pipeline/npz';
import { simulateDataset } from '../pipeline/simulate';
import type { DatasetSummary } from '../pipeline/summary';
import { PtychoPINN, type ResidentSet } from '../model/ptychopinn';
import type { EpochEvent, TrainingRun } from '../model/train';
import type { TrainingCheckpoint } from './checkpoint';
import {
  checkValidationScan,
  datasetPreview,
  groupPositions,
  groupWith,
  readScan,
  simulateOptions,
} from './engineData';
import { modelInfoOf, modelSpec, sameModelShape } from './engineModels';
import { stitchOptions } from './engineResults';
import { checkResumable } from './engineTraining';
import type { LoadedDataset, ReconstructionProduct, SimulateRequest } from './engineTypes';
import type { DatasetPreview, GpuInfo, ModelInfo, StitchMethod } from './types';

/** Every scan position of the loaded scan resident on the GPU for inference, with its positions and scale. */
export interface InferenceSet {
  set: ResidentSet;
  positions: Float64Array;
  physicsScale: number;
}

export abstract class EngineState {
  dataset: LoadedDataset | null = null;
  /** Optional separate validation scan (a "test" file); otherwise a held-out fraction of the groups. */
  validation: LoadedDataset | null = null;
  config: TrainingConfig = makeTrainingConfig();
  model: PtychoPINN | null = null;
  modelInfo: ModelInfo | null = null;
  history: EpochEvent[] = [];
  /** The latest reconstruction (what `reconstructionNpz` exports). */
  lastProduct: ReconstructionProduct | null = null;
  protected run: TrainingRun | null = null;
  protected physicsScale = 1;
  /** Config paths the user set explicitly (a file, a link, the form): a scan's metadata does not override them. */
  protected explicit = new Set<string>();
  /** Every scan position of the loaded dataset resident on the GPU for inference (built once per scan + model). */
  protected inference: InferenceSet | null = null;

  protected constructor(
    protected readonly device: Gpu | null,
    readonly gpuError: PtychoError | null = null,
  ) {}

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

  /** Parse and check a scan; on error the previously loaded dataset stays. N follows the probe; nphotons the file's metadata unless set explicitly. */
  async loadDataset(bytes: Uint8Array, fileName: string): Promise<DatasetSummary> {
    const ds = await readScan(bytes, fileName);
    const { raw } = ds;
    const config = fitToScan(this.config, raw);
    this.dataset = ds;
    this.disposeInference();
    this.lastProduct = null;
    if (this.model && this.model.N !== raw.N) this.disposeModel();
    this.config = config;
    if (raw.nphotons !== undefined && !this.explicit.has('nphotons'))
      this.config = { ...this.config, nphotons: raw.nphotons };
    return ds.summary;
  }

  /** A synthetic scan from the simulation code, loaded as the dataset; returns its NPZ bytes and name too. */
  async simulate(req: SimulateRequest): Promise<{ summary: DatasetSummary; bytes: Uint8Array; fileName: string }> {
    const arrays = simulateDataset(simulateOptions(req, () => this.requireDataset().raw.probeGuess));
    const bytes = writeNpz(arrays, { compress: true });
    const fileName = `simulated-${req.object}-N${arrays.diff3d.shape[1]}-seed${req.seed ?? 42}.npz`;
    return { summary: await this.loadDataset(bytes, fileName), bytes, fileName };
  }

  /** What the dataset panel draws: objectGuess, probe, the first pattern (display-sized) and the scan positions. */
  datasetPreview(): DatasetPreview {
    return datasetPreview(this.requireDataset());
  }

  /** A separate validation scan (same probe and N as the training scan); `null` clears it. */
  async loadValidationDataset(bytes: Uint8Array | null, fileName = 'test_data.npz'): Promise<DatasetSummary | null> {
    if (!bytes) {
      this.validation = null;
      return null;
    }
    this.validation = await readScan(bytes, fileName, (raw) => checkValidationScan(fileName, raw, this.dataset));
    return this.validation.summary;
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
    const c = this.dataset ? fitToScan(cfg, this.dataset.raw) : cfg;
    if (this.model) {
      const spec = modelSpec(c);
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

  protected requireDataset(): LoadedDataset {
    if (!this.dataset) throw new PtychoError('no-dataset', 'no dataset is loaded', 'load a scan (.npz) first');
    return this.dataset;
  }

  protected requireModel(): PtychoPINN {
    if (!this.model)
      throw new PtychoError(
        'no-model',
        'no model: train one or open a model file first',
        'train, or open a model .zip',
      );
    return this.model;
  }

  protected newModel(
    cfg: TrainingConfig,
    weights: Map<string, Float32Array> | undefined,
    info: Omit<ModelInfo, 'parameters' | 'N' | 'gridsize' | 'nFiltersScale' | 'generator'>,
  ): PtychoPINN {
    const model = new PtychoPINN(this.gpu, modelSpec(cfg), weights, cfg.seed);
    this.disposeModel();
    this.model = model;
    this.modelInfo = modelInfoOf(cfg, model, info);
    return model;
  }

  protected ensureModel(): PtychoPINN {
    return (
      this.model ?? this.newModel(this.config, undefined, { kind: 'trained', source: this.dataset?.fileName ?? '' })
    );
  }

  /** Every scan position of the loaded scan, grouped for inference and resident on the GPU (cached). */
  protected inferenceSet(): InferenceSet {
    if (this.inference) return this.inference;
    const ds = this.requireDataset();
    const model = this.ensureModel();
    const g = groupWith(this.config, ds.raw, true);
    const positions = groupPositions(g, ds.raw);
    const set = model.residentSet({
      X: g.X,
      coordsRelative: g.coordsRelative,
      probe: ds.raw.probeGuess.data as Float32Array,
      S: g.physicsScale,
    });
    this.inference = { set, positions, physicsScale: g.physicsScale };
    return this.inference;
  }

  protected stitchOptions(method: StitchMethod) {
    return stitchOptions(this.model!.N, this.requireDataset().raw.probeGuess.data as Float32Array, method);
  }

  /** Measure the kernel variants for this adapter once, before the first computation (src/gpu/autotune.ts). */
  protected async tuneKernels(): Promise<void> {
    if (this.gpu.tuning || !autotuneEnabled()) return;
    this.gpu.tuning = await autotune(this.gpu);
  }

  /** Make the checkpoint's model, config and history current (its scan must be the loaded one). */
  protected installCheckpoint(k: TrainingCheckpoint): void {
    const ds = this.requireDataset();
    checkResumable(k, ds);
    this.config = fitToScan(k.config, ds.raw);
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

  protected disposeInference(): void {
    if (this.device?.isLost) {
      this.inference = null;
      return;
    }
    this.inference?.set.dispose();
    this.inference = null;
  }

  protected disposeModel(): void {
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

/** What the scan decides in a config: N from its probe, and probe_scale from it when amplitude_level is set. */
function fitToScan(c: TrainingConfig, raw: RawData): TrainingConfig {
  return withAmplitudeLevel(withProbeSize(c, raw.N), raw.probeGuess.data as Float32Array, raw.N);
}
