/**
 * The engine facade (specs/app.md "One engine, one door"): load a scan, configure, train with live previews and
 * checkpoints, reconstruct, open / save models, export. The Web Worker, the CLI and the reconstructor API use it
 * and nothing beneath it; it owns the GPU and the model, and callers pass plain data in and get plain data out
 * (src/api/types.ts, src/api/engineTypes.ts). A failed load never replaces the loaded dataset; a failed training
 * run leaves the last good weights in place. The scans, config and model and their lifetimes are EngineState's
 * (src/api/engineState.ts); the work lives beside it: scans in engineData.ts, training steps in engineTraining.ts,
 * reconstructions and exports in engineResults.ts, models in engineModels.ts.
 */
import type { TrainingConfig } from '../config/schema';
import { PtychoError } from '../errors';
import { Gpu } from '../gpu/runtime';
import type { GroupedData } from '../pipeline/container';
import { writeNpz } from '../pipeline/npz';
import { reconstructObject, reconstructPreview, type PreviewImage } from '../model/infer';
import type { PtychoPINN, PtychoPINNSpec } from '../model/ptychopinn';
import { amplitudeContrast, brightPixels, collapseOf, sampleGroups } from '../model/collapse';
import { TrainingRun, type StepEvent } from '../model/train';
import { PtychoSolver } from '../solver/solver';
import { solverOptions, solverProduct, solverScan, type SolveEvents, type SolveRequest } from './engineSolve';
import { checkCheckpoint, type TrainingCheckpoint } from './checkpoint';
import { groupWith } from './engineData';
import { checkModelFitsScan, modelArchive, modelSpec } from './engineModels';
import { metricsAgainstTruth, reconstructionNpz, reconstructionProduct, resultImage } from './engineResults';
import { EngineState } from './engineState';
import { checkpointFrom, previewScheduler, requireTargets, residentTrainingSet, trainOptions } from './engineTraining';
import type { EngineTrainResult, LoadedDataset, PreviewStats, ReconstructionProduct, TrainEvents } from './engineTypes';
import { fileKind, nativeArchiveToTorchBundle, readModelFile, type FileKind } from './modelFiles';
import type { ModelInfo, ResultImage, StitchMethod } from './types';

export { APP_VERSION } from './modelFiles';
export { alignmentLine, metricsSummary } from './engineResults';
export type { Collapse } from '../model/collapse';
export type { SolveEvents, SolveRequest, SolverOutcome } from './engineSolve';
export type {
  EngineTrainResult,
  LoadedDataset,
  ReconstructionProduct,
  SimulateRequest,
  TrainEvents,
} from './engineTypes';

export class Engine extends EngineState {
  /** The solve in progress (pause / stop act on it as on a training run). */
  private solver: PtychoSolver | null = null;

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

  static fileKind(bytes: Uint8Array): FileKind {
    return fileKind(bytes);
  }

  static modelSpec(cfg: TrainingConfig): PtychoPINNSpec {
    return modelSpec(cfg);
  }

  /** Train on the loaded scan with the current config (or continue a checkpoint); events report progress. */
  async train(events: TrainEvents = {}): Promise<EngineTrainResult> {
    const ds = this.requireDataset(); // refused at once ('no-dataset'), before any GPU work
    await this.tuneKernels();
    const resume = events.resume ? checkCheckpoint(events.resume) : undefined;
    const { model, g, split } = this.prepareTraining(ds, resume);
    this.lastProduct = null;
    const run = new TrainingRun(this.gpu, model, trainOptions(this.config, split, !!events.onCheckpoint, resume));
    const t0 = performance.now();
    const preview: PreviewStats = { count: 0, seconds: 0, wallSeconds: 0, overhead: 0 };
    await this.connectEvents(run, model, events, preview, t0);
    this.run = run;
    events.onStart?.(this.modelInfo!);
    try {
      const r = await run.run();
      preview.wallSeconds = (performance.now() - t0) / 1000;
      preview.overhead = preview.wallSeconds > 0 ? preview.seconds / preview.wallSeconds : 0;
      return { ...r, groups: g.B, warnings: g.warnings, preview, collapse: collapseOf(this.history) };
    } finally {
      this.run = null;
    }
  }

  /** The model (a checkpoint's when resuming), the training groups resident on the GPU, and their split. */
  private prepareTraining(ds: LoadedDataset, resume: TrainingCheckpoint | undefined) {
    if (resume) this.installCheckpoint(resume);
    const c = this.config;
    const model = this.ensureModel();
    const g = groupWith(c, ds.raw, false);
    requireTargets(c, g, ds);
    this.physicsScale = g.physicsScale;
    const v: GroupedData | null = this.validation ? groupWith(c, this.validation.raw, false) : null;
    const split = residentTrainingSet(model, c, ds, g, v);
    return { model, g, split };
  }

  /** The run's events: history, the caller's callbacks, checkpoints of the whole model, the throttled preview. */
  private async connectEvents(
    run: TrainingRun,
    model: PtychoPINN,
    events: TrainEvents,
    preview: PreviewStats,
    t0: number,
  ): Promise<void> {
    let lastStep: StepEvent | null = null;
    run.onStep = (e) => {
      lastStep = e;
      events.onStep?.(e);
    };
    run.onEpoch = (e) => {
      this.history.push(e);
      events.onEpoch?.(e, collapseOf(this.history));
    };
    if (events.onCheckpoint) {
      const onCheckpoint = events.onCheckpoint;
      const fixed = new Map<string, Float32Array>();
      for (const [name, t] of model.params) if (!t.requiresGrad) fixed.set(name, await this.gpu.read(t));
      run.onCheckpoint = (k) =>
        onCheckpoint(
          checkpointFrom(k, fixed, {
            ds: this.requireDataset(),
            config: this.config,
            model: this.model!,
            history: this.history,
            physicsScale: this.physicsScale,
          }),
        );
    }
    // The collapse detector (src/model/collapse.ts): the predicted amplitude's contrast at each epoch end.
    const bright = brightPixels(this.requireDataset().raw.probeGuess.data as Float32Array, model.N);
    const sample = sampleGroups(model.nGroups);
    run.epochMeasures = async () => ({
      amplitudeContrast: await amplitudeContrast(this.gpu, model, model.resident!, sample, bright),
    });
    if (events.onPreview) {
      const src = {
        patterns: () => this.inferenceSet().positions.length / 2,
        sync: () => this.gpu.sync(),
        preview: (maxSide: number) => this.previewReconstruction(maxSide),
      };
      run.afterStep = previewScheduler(src, events, preview, t0, () => lastStep);
    }
  }

  /** Mean loss of the current model over the training groups (no gradient, no update). */
  async evaluateLoss(): Promise<number> {
    const ds = this.requireDataset();
    await this.tuneKernels();
    const model = this.ensureModel();
    const g = groupWith(this.config, ds.raw, false);
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

  get solving(): boolean {
    return this.solver !== null;
  }

  pause(): void {
    this.run?.pause();
    this.solver?.pause();
  }
  resume(): void {
    this.run?.resume();
    this.solver?.resume();
  }
  stop(): void {
    this.run?.stop();
    this.solver?.stop();
  }

  /**
   * Reconstruct the loaded scan with the iterative solver (src/solver/solver.ts, specs/solver.md): from a flat
   * object, or from the current model's stitched object (`init: 'model'`, refine after PtychoPINN). The product
   * becomes the latest reconstruction (exports), with the refined probe and positions.
   */
  async solve(req: SolveRequest = {}, events: SolveEvents = {}): Promise<ReconstructionProduct> {
    if (this.run || this.solver)
      throw new PtychoError('busy', 'a training run or a solve is in progress', 'stop it first');
    const ds = this.requireDataset();
    await this.tuneKernels();
    const options = solverOptions(req);
    const init = req.init ?? 'flat';
    const start = init === 'model' ? (await this.reconstruct()).image : undefined;
    const solver = new PtychoSolver(this.gpu, solverScan(ds), options);
    this.solver = solver;
    try {
      const t0 = performance.now();
      await solver.initialise(start);
      const minInterval = (events.previewMinIntervalS ?? 1) * 1000;
      let lastPreview = -Infinity;
      const r = await solver.run(async (e) => {
        events.onIteration?.(e);
        const now = performance.now();
        if (events.onPreview && (now - lastPreview >= minInterval || e.iteration === options.iterations)) {
          const p = await solver.preview(events.previewMaxSide ?? 256);
          lastPreview = performance.now();
          events.onPreview({ ...p, epoch: 0, step: e.iteration, iteration: e.iteration, overhead: 0 });
        }
      });
      this.lastProduct = solverProduct(ds, r, {
        init,
        iterations: r.history.length,
        seconds: (performance.now() - t0) / 1000,
        options,
      });
      return this.lastProduct;
    } finally {
      solver.dispose();
      this.solver = null;
    }
  }

  /** The stitched object of the whole scan with the current weights, reduced on the GPU to ≤ maxSide pixels a side. */
  async previewReconstruction(maxSide = 256): Promise<PreviewImage> {
    const model = this.requireModel();
    await this.tuneKernels();
    const inf = this.inferenceSet();
    return reconstructPreview(this.gpu, model, inf.set, inf.positions, {
      stitch: this.stitchOptions('barycentric'),
      maxSide,
    });
  }

  /**
   * Predict every scan position's patch and stitch the object; metrics against objectGuess when present. The groups'
   * phases are aligned by their overlaps unless `alignPhases` is false (kept only where the scan's diffraction agrees,
   * src/model/alignedStitch.ts).
   */
  async reconstruct(
    opts: { stitch?: StitchMethod; onProgress?: (done: number, total: number) => void; alignPhases?: boolean } = {},
  ): Promise<ReconstructionProduct> {
    const ds = this.requireDataset();
    const model = this.requireModel();
    await this.tuneKernels();
    const inf = this.inferenceSet();
    const method = opts.stitch ?? 'barycentric';
    const raw = ds.raw;
    const image = await reconstructObject(this.gpu, model, inf.set, inf.positions, {
      stitch: this.stitchOptions(method),
      onProgress: opts.onProgress,
      align:
        opts.alignPhases === false
          ? undefined
          : {
              probe: raw.probeGuess.data as Float32Array,
              xcoords: raw.xcoords,
              ycoords: raw.ycoords,
              diffraction: raw.diffraction,
            },
    });
    this.lastProduct = { image, metrics: metricsAgainstTruth(image, ds.raw), stitch: method };
    return this.lastProduct;
  }

  /** A reconstruction as plain data for the result view: the object, weights, objectGuess on the same canvas, metrics. */
  resultImage(p: ReconstructionProduct): ResultImage {
    return resultImage(p, this.dataset?.raw.objectGuess);
  }

  /** The reconstruction as an NPZ: object (complex64), amplitude, phase, weights, origin [x, y], stitch, metrics (JSON). */
  static reconstructionNpz(p: ReconstructionProduct): Uint8Array {
    return reconstructionNpz(p);
  }

  /**
   * The latest reconstruction (`lastProduct`) as a Ptychodus NPZ product (src/pipeline/product.ts, specs/npz.md):
   * object, the loaded scan's probeGuess and positions (xcoords/ycoords), the model's loss history, and pixel size /
   * energy / distance from the scan's `_metadata` when it gives them (otherwise 1 m per pixel, said in `comments`).
   */
  reconstructionProduct(opts: { name?: string; comments?: string } = {}): Uint8Array {
    const p = this.lastProduct;
    if (!p) throw new PtychoError('no-result', 'no reconstruction to export', 'reconstruct first');
    return reconstructionProduct(p, this.requireDataset(), this.history, this.modelInfo, opts);
  }

  async saveModel(): Promise<Uint8Array> {
    if (!this.model) throw new PtychoError('no-model', 'no model to save', 'train or open a model first');
    return modelArchive(this.model, {
      config: this.config,
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
    checkModelFitsScan(m, fileName, this.dataset);
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
}
