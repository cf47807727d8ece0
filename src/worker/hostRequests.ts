/**
 * The engine host's answer to each request type (src/worker/protocol.ts `Request` → `Results`), one handler per type,
 * over the state EngineHost (host.ts) keeps: its engine, its checkpoint store, the run in progress and the last
 * result that a joining page receives.
 */
import { checkpointToArchive } from '../api/checkpoint';
import { Engine, type LoadedDataset } from '../api/engine';
import { PtychoError } from '../errors';
import type { HostCheckpointStore } from './host';
import type {
  AttachState,
  DatasetLoaded,
  ErrorInfo,
  FileOut,
  Request,
  ResultImage,
  Results,
  TrainEnd,
  WorkerEvent,
} from './protocol';

/** What the request handlers (and the training run, hostTraining.ts) see of EngineHost. */
export interface HostState {
  readonly store: HostCheckpointStore;
  /** The engine, once created (null before the first request). */
  readonly current: Engine | null;
  /** The run in progress, as a page joining it needs it (AttachState.training). */
  job: NonNullable<AttachState['training']> | null;
  /** A solve is in progress (no training run may start, and no second solve). */
  readonly solving: boolean;
  lastRun: TrainEnd | null;
  lastResult: ResultImage | null;
  /** Set while a lost device's engine is being replaced. */
  lostMessage: string | null;
  getEngine(): Promise<Engine>;
  emit(event: WorkerEvent, transfer?: ArrayBuffer[]): void;
  attachState(e: Engine): AttachState | null;
  train(req: Extract<Request, { type: 'train' }>): Promise<TrainEnd>;
  solve(req: Extract<Request, { type: 'solve' }>): Promise<ResultImage>;
}

type Handlers = {
  [T in Request['type']]: (host: HostState, req: Extract<Request, { type: T }>) => Promise<Results[T]>;
};

export function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof PtychoError) return e.toJSON();
  return {
    code: 'internal',
    message: String((e as Error)?.message ?? e),
    hint: 'this is a bug; please report it with the file you used',
  };
}

export function datasetLoaded(e: Engine): DatasetLoaded {
  return { kind: 'dataset', preview: e.datasetPreview(), config: e.config, model: e.modelInfo };
}

/** A result image with its own arrays (the original's may be transferred to the page). */
export function copyResult(image: ResultImage): ResultImage {
  return { ...image, object: image.object.slice(), weights: image.weights.slice(), truth: image.truth?.slice() };
}

function fileOut(bytes: Uint8Array, fileName: string): FileOut {
  const copy =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  return { bytes: copy as ArrayBuffer, fileName };
}

function baseName(ds: LoadedDataset | null): string {
  return (ds?.fileName ?? 'ptychopinn').replace(/\.(npz|npy)$/i, '');
}

export const requestHandlers: Handlers = {
  init: async (host) => {
    const e = await host.getEngine();
    try {
      return {
        gpu: e.gpuInfo(),
        checkpoint: await host.store.info(),
        attach: host.attachState(e),
      } satisfies Results['init'];
    } catch (err) {
      return {
        gpu: e.gpuInfo(),
        checkpoint: null,
        checkpointError: errorInfo(err),
        attach: host.attachState(e),
      } satisfies Results['init'];
    }
  },
  gpuInfo: async (host) => {
    return (await host.getEngine()).gpuInfo();
  },
  load: async (host, req) => {
    const e = await host.getEngine();
    const bytes = new Uint8Array(req.bytes);
    if (Engine.fileKind(bytes) !== 'dataset') {
      const m = e.openModel(bytes, req.fileName);
      host.lastResult = null;
      return { kind: 'model', model: m.info, config: e.config } satisfies Results['load'];
    }
    await e.loadDataset(bytes, req.fileName);
    host.lastResult = host.lastRun = null;
    return datasetLoaded(e);
  },
  simulate: async (host, req) => {
    const e = await host.getEngine();
    await e.simulate(req.request);
    host.lastResult = host.lastRun = null;
    return datasetLoaded(e);
  },
  setConfig: async (host, req) => {
    const e = await host.getEngine();
    return {
      config: e.setConfig(req.config, { explicit: req.explicit, replaceExplicit: req.replaceExplicit }),
      model: e.modelInfo,
    };
  },
  train: async (host, req) => {
    return host.train(req);
  },
  solve: async (host, req) => {
    return host.solve(req);
  },
  pause: async (host) => {
    host.current?.pause();
    if (host.job) host.job.paused = true;
    return null;
  },
  resume: async (host) => {
    host.current?.resume();
    if (host.job) host.job.paused = false;
    return null;
  },
  stop: async (host) => {
    host.current?.stop();
    return null;
  },
  reconstruct: async (host, req) => {
    const e = await host.getEngine();
    const p = await e.reconstruct({
      stitch: req.stitch,
      onProgress: (done, total) => host.emit({ type: 'reconstruct-progress', done, total }),
    });
    const image = e.resultImage(p);
    // Kept for pages that join later (an engine server); the worker transfers the page's copy.
    host.lastResult = copyResult(image);
    return image;
  },
  exportModel: async (host) => {
    const e = await host.getEngine();
    return fileOut(await e.saveModel(), `${baseName(e.dataset)}-model.zip`);
  },
  exportTorch: async (host) => {
    // The reference's PyTorch bundle (what `ptychopinn convert --to torch` makes of the model archive).
    const e = await host.getEngine();
    return fileOut(await e.saveTorchBundle(), 'wts.h5.zip');
  },
  exportRecon: async (host) => {
    const e = await host.getEngine();
    if (!e.lastProduct)
      throw new PtychoError(
        'no-result',
        'there is no reconstruction to export yet',
        'train a model or open one, then reconstruct',
      );
    return fileOut(Engine.reconstructionNpz(e.lastProduct), `${baseName(e.dataset)}-reconstruction.npz`);
  },
  exportProduct: async (host) => {
    // The Ptychodus NPZ product (specs/npz.md): opens in Ptychodus.
    const e = await host.getEngine();
    return fileOut(e.reconstructionProduct(), `${baseName(e.dataset)}-ptychodus-product.npz`);
  },
  exportCheckpoint: async (host) => {
    const stored = await host.store.load();
    if (!stored) throw new PtychoError('storage', 'there is no checkpoint to export', 'train first');
    const k = stored.checkpoint;
    return fileOut(
      checkpointToArchive(k),
      `${k.dataset.fileName.replace(/\.(npz|npy)$/i, '')}-epoch${k.epoch + 1}-model.zip`,
    );
  },
  discardCheckpoint: async (host) => {
    await host.store.clear();
    return null;
  },
  loseDevice: async (host) => {
    // Test hook: destroying the device makes it lost, exactly as a driver reset would.
    const e = await host.getEngine();
    e.gpu.device.destroy();
    return null;
  },
  failStorage: async (host, req) => {
    // Test hook: later checkpoint writes fail with this DOMException name (e.g. QuotaExceededError).
    if (!host.store.injectFault)
      throw new PtychoError('internal', 'this engine has no storage-fault hook', 'use it only in the browser tests');
    host.store.injectFault(req.name);
    return null;
  },
};
