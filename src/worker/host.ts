/**
 * The this.engine host: owns one Engine (src/api) and answers the page's requests (protocol.ts) with results and events.
 * The browser runs it in a Web Worker (this.engine.worker.ts); `ptychopinn serve` runs the same host in Node behind a
 * WebSocket (src/server), so the page speaks one protocol to either. Errors travel back as {code, message, hint};
 * nothing here touches the DOM or reaches beneath src/api.
 */
import { checkpointInfo, checkpointToArchive, type CheckpointStore, type TrainingCheckpoint } from '../api/checkpoint';
import { Engine, type LoadedDataset } from '../api/engine';
import { PtychoError } from '../errors';
import type { AttachState, DatasetLoaded, ErrorInfo, FileOut, Request, ResultImage, Results, TrainEnd, WorkerEvent } from './protocol';

/** A checkpoint store the host can break on purpose (the browser tests' storage-fault hook). */
export interface HostCheckpointStore extends CheckpointStore {
  injectFault?(name: string | null): void;
}

export interface EngineHostOptions {
  /** Deliver an event to the page(s); `transfer` lists buffers that may move instead of being copied. */
  emit: (event: WorkerEvent, transfer: ArrayBuffer[]) => void;
  store: HostCheckpointStore;
  /** Where the this.engine runs, for the page's status line (e.g. 'this browser' or 'host:port'). */
  createEngine?: () => Promise<Engine>;
}

export function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof PtychoError) return e.toJSON();
  return { code: 'internal', message: String((e as Error)?.message ?? e), hint: 'this is a bug; please report it with the file you used' };
}

function datasetLoaded(e: Engine): DatasetLoaded {
  return { kind: 'dataset', preview: e.datasetPreview(), config: e.config, model: e.modelInfo };
}

function previewTransfer(d: DatasetLoaded): ArrayBuffer[] {
  const p = d.preview;
  const t: ArrayBufferLike[] = [p.probeAmplitude.data.buffer, p.probePhase.data.buffer, p.pattern.data.buffer, p.scanX.buffer, p.scanY.buffer];
  if (p.objectAmplitude) t.push(p.objectAmplitude.data.buffer);
  if (p.objectPhase) t.push(p.objectPhase.data.buffer);
  return t as ArrayBuffer[];
}

function fileOut(bytes: Uint8Array, fileName: string): FileOut {
  const copy = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  return { bytes: copy as ArrayBuffer, fileName };
}

function baseName(ds: LoadedDataset | null): string {
  return (ds?.fileName ?? 'ptychopinn').replace(/\.(npz|npy)$/i, '');
}

/** Transferables of a result: the big arrays move instead of being copied. */
export function transferOf(result: unknown): ArrayBuffer[] {
  const r = result as Record<string, unknown> | null;
  if (!r || typeof r !== 'object') return [];
  if ((r as { kind?: string }).kind === 'dataset') return previewTransfer(r as unknown as DatasetLoaded);
  const out: ArrayBuffer[] = [];
  const img = ('object' in r && 'weights' in r ? r : (r.result as Record<string, unknown> | undefined)) as { object?: Float32Array; weights?: Float32Array; truth?: Float32Array } | undefined;
  if (img?.object instanceof Float32Array) {
    out.push(img.object.buffer as ArrayBuffer, img.weights!.buffer as ArrayBuffer);
    if (img.truth) out.push(img.truth.buffer as ArrayBuffer);
  }
  if (r.bytes instanceof ArrayBuffer) out.push(r.bytes);
  return out;
}

export class EngineHost {
  private engine: Engine | null = null;
  private creating: Promise<Engine> | null = null;
  /** Set while a lost device's this.engine is being replaced. */
  private lostMessage: string | null = null;
  private readonly store: HostCheckpointStore;
  private readonly createEngine: () => Promise<Engine>;

  constructor(private readonly opts: EngineHostOptions) {
    this.store = opts.store;
    this.createEngine = opts.createEngine ?? (() => Engine.create({ allowNoGpu: true }));
  }

  /** The run in progress, as a page joining it needs it (AttachState.training). */
  private job: NonNullable<AttachState['training']> | null = null;
  private lastRun: TrainEnd | null = null;
  private lastResult: ResultImage | null = null;

  private emit(event: WorkerEvent, transfer: ArrayBuffer[] = []): void {
    const job = this.job;
    if (job) {
      if (event.type === 'epoch') job.epochs = [...job.epochs.filter((x) => x.epoch !== event.epoch), event];
      else if (event.type === 'progress') job.progress = event;
      // Copied: the worker transfers the event's arrays to the page.
      else if (event.type === 'preview') job.preview = { ...event.preview, amplitude: event.preview.amplitude.slice(), phase: event.preview.phase.slice() };
    }
    this.opts.emit(event, transfer);
  }

  /** What a page joining this engine needs (null while no scan is loaded). */
  private attachState(e: Engine): AttachState | null {
    if (!e.dataset) return null;
    return { dataset: datasetLoaded(e), config: e.config, model: e.modelInfo, training: this.job, lastRun: this.lastRun, result: this.lastResult };
  }

  /** One run at a time; its end goes to every page as a 'train-end' event as well as to the one that asked. */
  private async train(req: Extract<Request, { type: 'train' }>): Promise<TrainEnd> {
    if (this.job) throw new PtychoError('cli-usage', 'a training run is already in progress', 'pause or stop it first');
    this.job = { paused: false, epochs: [], progress: null, preview: null };
    let end: TrainEnd;
    try {
      end = await this.runTraining(req);
    } finally {
      this.job = null;
    }
    this.lastRun = end;
    this.lastResult = end.result ?? null;
    this.emit({ type: 'train-end', end });
    return end;
  }

  /** The this.engine, once created (null before the first request). */
  get current(): Engine | null {
    return this.engine;
  }

  /** The engine, created on first use; after a lost device a fresh one takes over the scan and the config. */
  private async getEngine(): Promise<Engine> {
    if (this.engine) return this.engine;
    if (!this.creating) {
      this.creating = this.createEngine().then((e) => {
        this.engine = e;
        this.watchDevice(e);
        return e;
      });
    }
    try {
      return await this.creating;
    } finally {
      this.creating = null;
    }
  }

  private watchDevice(e: Engine): void {
    if (e.gpuError) return;
    e.lost.then(async (info) => {
      this.lostMessage = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
      this.emit({ type: 'device-lost', message: this.lostMessage });
      // Replace the engine at once: the scan and the config are CPU data and move over; the model is gone (the last
      // checkpoint in IndexedDB holds it).
      const old = e;
      this.engine = null;
      const fresh = await this.getEngine();
      if (old.dataset) await fresh.loadDataset(old.dataset.bytes, old.dataset.fileName);
      fresh.setConfig(old.config);
    });
  }

  /** Progress events at most every 100 ms (and always when the step carries a loss). */
  private progressThrottle() {
    let last = 0;
    return (ev: WorkerEvent & { type: 'progress' }) => {
      const now = performance.now();
      if (ev.loss === undefined && now - last < 100) return;
      last = now;
      this.emit(ev);
    };
  }

  private async runTraining(req: Extract<Request, { type: 'train' }>): Promise<TrainEnd> {
    const e = await this.getEngine();
    let resume: TrainingCheckpoint | undefined;
    if (req.resume) {
      const stored = await this.store.load();
      if (!stored) throw new PtychoError('storage', 'there is no checkpoint to resume', 'start training instead');
      const k = stored.checkpoint;
      if (!e.dataset || e.dataset.sha256 !== k.dataset.sha256) {
        if (!stored.datasetBytes) throw new PtychoError('storage', `the checkpoint's scan ${k.dataset.fileName} is not stored with it`, `load ${k.dataset.fileName} again, then resume`);
        await e.loadDataset(stored.datasetBytes, k.dataset.fileName);
      }
      resume = k;
    } else {
      // "Train" in the page is a fresh, reproducible run: new weights from the seed (resume continues a run).
      e.resetModel();
    }
    const ds = e.dataset;
    if (!ds) throw new PtychoError('cli-usage', 'no scan is loaded', 'drop a scan (.npz) or load the example first');
    const epochs = (resume ?? { config: e.config }).config.nepochs;
    const progress = this.progressThrottle();
    let datasetStored = false;
    this.lostMessage = null;
    const r = await e.train({
      resume,
      previewBudget: req.previewBudget,
      onStart: (model) => {
        this.emit({ type: 'model', model });
        // A resumed run shows its whole loss history, not only the epochs still to come.
        for (const ev of resume?.history ?? []) this.emit({ type: 'epoch', epoch: ev.epoch, trainLoss: ev.trainLoss, valLoss: ev.valLoss, learningRate: ev.learningRate, seconds: ev.seconds });
      },
      onStep: (s) => progress({ type: 'progress', epoch: s.epoch, epochs, step: s.step, stepsPerEpoch: s.stepsPerEpoch, loss: s.loss, patternsPerSecond: s.patternsPerSecond, etaSeconds: s.etaSeconds, memory: e.gpuInfo().memory! }),
      onEpoch: (ev) => this.emit({ type: 'epoch', epoch: ev.epoch, trainLoss: ev.trainLoss, valLoss: ev.valLoss, learningRate: ev.learningRate, seconds: ev.seconds }),
      onPreview: (p) => this.emit({ type: 'preview', preview: p }, [p.amplitude.buffer as ArrayBuffer, p.phase.buffer as ArrayBuffer]),
      onCheckpoint: async (k) => {
        try {
          await this.store.save(k, datasetStored ? undefined : ds.bytes);
          datasetStored = true;
          this.emit({ type: 'checkpoint', info: checkpointInfo(k) });
        } catch (err) {
          this.emit({ type: 'checkpoint-error', error: errorInfo(err) });
        }
      },
    });
    const end: TrainEnd = { status: r.status, error: r.error, epochs: r.epochs.length, model: null, preview: r.preview };
    if (this.lostMessage) {
      end.status = 'failed';
      end.error = `the GPU device was lost (${this.lostMessage}); the last checkpoint is kept: resume or export it`;
      return end;
    }
    end.model = e.modelInfo;
    if (e.model) {
      try {
        const p = await e.reconstruct({ stitch: 'barycentric', onProgress: (done, total) => this.emit({ type: 'reconstruct-progress', done, total }) });
        end.result = e.resultImage(p);
      } catch (err) {
        end.resultError = errorInfo(err);
      }
    }
    return end;
  }

  /** Answer one request (events go out through `emit` meanwhile). */
  async handle(req: Request): Promise<Results[keyof Results]> {
    switch (req.type) {
      case 'init': {
        const e = await this.getEngine();
        try {
          return { gpu: e.gpuInfo(), checkpoint: await this.store.info(), attach: this.attachState(e) } satisfies Results['init'];
        } catch (err) {
          return { gpu: e.gpuInfo(), checkpoint: null, checkpointError: errorInfo(err), attach: this.attachState(e) } satisfies Results['init'];
        }
      }
      case 'gpuInfo':
        return (await this.getEngine()).gpuInfo();
      case 'load': {
        const e = await this.getEngine();
        const bytes = new Uint8Array(req.bytes);
        if (Engine.fileKind(bytes) !== 'dataset') {
          const m = e.openModel(bytes, req.fileName);
          this.lastResult = null;
          return { kind: 'model', model: m.info, config: e.config } satisfies Results['load'];
        }
        await e.loadDataset(bytes, req.fileName);
        this.lastResult = this.lastRun = null;
        return datasetLoaded(e);
      }
      case 'simulate': {
        const e = await this.getEngine();
        await e.simulate(req.request);
        this.lastResult = this.lastRun = null;
        return datasetLoaded(e);
      }
      case 'setConfig': {
        const e = await this.getEngine();
        return { config: e.setConfig(req.config, { explicit: req.explicit, replaceExplicit: req.replaceExplicit }), model: e.modelInfo };
      }
      case 'train':
        return this.train(req);
      case 'pause':
        this.engine?.pause();
        if (this.job) this.job.paused = true;
        return null;
      case 'resume':
        this.engine?.resume();
        if (this.job) this.job.paused = false;
        return null;
      case 'stop':
        this.engine?.stop();
        return null;
      case 'reconstruct': {
        const e = await this.getEngine();
        const p = await e.reconstruct({ stitch: req.stitch, onProgress: (done, total) => this.emit({ type: 'reconstruct-progress', done, total }) });
        const image = e.resultImage(p);
        // Kept for pages that join later (an engine server); the worker transfers the page's copy.
        this.lastResult = { ...image, object: image.object.slice(), weights: image.weights?.slice(), truth: image.truth?.slice() };
        return image;
      }
      case 'exportModel': {
        const e = await this.getEngine();
        return fileOut(await e.saveModel(), `${baseName(e.dataset)}-model.zip`);
      }
      case 'exportTorch': {
        // The reference's PyTorch bundle (what `ptychopinn convert --to torch` makes of the model archive).
        const e = await this.getEngine();
        return fileOut(await e.saveTorchBundle(), 'wts.h5.zip');
      }
      case 'exportRecon': {
        const e = await this.getEngine();
        if (!e.lastProduct) throw new PtychoError('cli-usage', 'there is no reconstruction to export yet', 'train a model or open one, then reconstruct');
        return fileOut(Engine.reconstructionNpz(e.lastProduct), `${baseName(e.dataset)}-reconstruction.npz`);
      }
      case 'exportProduct': {
        // The Ptychodus NPZ product (specs/npz.md): opens in Ptychodus.
        const e = await this.getEngine();
        return fileOut(e.reconstructionProduct(), `${baseName(e.dataset)}-ptychodus-product.npz`);
      }
      case 'exportCheckpoint': {
        const stored = await this.store.load();
        if (!stored) throw new PtychoError('storage', 'there is no checkpoint to export', 'train first');
        const k = stored.checkpoint;
        return fileOut(checkpointToArchive(k), `${k.dataset.fileName.replace(/\.(npz|npy)$/i, '')}-epoch${k.epoch + 1}-model.zip`);
      }
      case 'discardCheckpoint':
        await this.store.clear();
        return null;
      case 'loseDevice': {
        // Test hook: destroying the device makes it lost, exactly as a driver reset would.
        const e = await this.getEngine();
        e.gpu.device.destroy();
        return null;
      }
      case 'failStorage':
        // Test hook: later checkpoint writes fail with this DOMException name (e.g. QuotaExceededError).
        if (!this.store.injectFault) throw new PtychoError('cli-usage', 'this engine has no storage-fault hook', 'use it only in the browser tests');
        this.store.injectFault(req.name);
        return null;
    }
  }
}
