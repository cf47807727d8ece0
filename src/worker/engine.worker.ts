/// <reference lib="webworker" />
/**
 * The engine worker: owns the one Engine (src/api) of the page and answers the page's requests (protocol.ts);
 * parsing, training, previews, reconstruction and checkpoints all run here, off the UI thread. Errors travel back
 * as {code, message, hint}; nothing here touches the DOM or reaches beneath src/api.
 */
import { checkpointInfo, checkpointToArchive, type TrainingCheckpoint } from '../api/checkpoint';
import { Engine, type LoadedDataset } from '../api/engine';
import { PtychoError } from '../errors';
import { IdbCheckpointStore } from './checkpointStore';
import type { DatasetLoaded, ErrorInfo, FileOut, Request, Results, TrainEnd, WorkerEvent } from './protocol';

const ctx = self as unknown as DedicatedWorkerGlobalScope;
const store = new IdbCheckpointStore();
let engine: Engine | null = null;
let creating: Promise<Engine> | null = null;
/** Set while a lost device's engine is being replaced. */
let lostMessage: string | null = null;

function emit(event: WorkerEvent, transfer: Transferable[] = []): void {
  ctx.postMessage({ event }, transfer);
}

function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof PtychoError) return e.toJSON();
  return { code: 'internal', message: String((e as Error)?.message ?? e), hint: 'this is a bug; please report it with the file you used' };
}

/** The engine, created on first use; after a lost device a fresh one takes over the scan and the config. */
async function getEngine(): Promise<Engine> {
  if (engine) return engine;
  if (!creating) {
    creating = Engine.create({ allowNoGpu: true }).then((e) => {
      engine = e;
      watchDevice(e);
      return e;
    });
  }
  try {
    return await creating;
  } finally {
    creating = null;
  }
}

function watchDevice(e: Engine): void {
  if (e.gpuError) return;
  e.lost.then(async (info) => {
    lostMessage = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
    emit({ type: 'device-lost', message: lostMessage });
    // Replace the engine at once: the scan and the config are CPU data and move over; the model is gone (the last
    // checkpoint in IndexedDB holds it).
    const old = e;
    engine = null;
    const fresh = await getEngine();
    if (old.dataset) await fresh.loadDataset(old.dataset.bytes, old.dataset.fileName);
    fresh.setConfig(old.config);
  });
}

function datasetLoaded(e: Engine): DatasetLoaded {
  return { kind: 'dataset', preview: e.datasetPreview(), config: e.config, model: e.modelInfo };
}

function previewTransfer(d: DatasetLoaded): Transferable[] {
  const p = d.preview;
  const t: ArrayBufferLike[] = [p.probeAmplitude.data.buffer, p.probePhase.data.buffer, p.pattern.data.buffer, p.scanX.buffer, p.scanY.buffer];
  if (p.objectAmplitude) t.push(p.objectAmplitude.data.buffer);
  if (p.objectPhase) t.push(p.objectPhase.data.buffer);
  return t as Transferable[];
}

function fileOut(bytes: Uint8Array, fileName: string): FileOut {
  const copy = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  return { bytes: copy as ArrayBuffer, fileName };
}

function baseName(ds: LoadedDataset | null): string {
  return (ds?.fileName ?? 'ptychopinn').replace(/\.(npz|npy)$/i, '');
}

/** Progress events at most every 100 ms (and always when the step carries a loss). */
function progressThrottle() {
  let last = 0;
  return (ev: WorkerEvent & { type: 'progress' }) => {
    const now = performance.now();
    if (ev.loss === undefined && now - last < 100) return;
    last = now;
    emit(ev);
  };
}

async function train(req: Extract<Request, { type: 'train' }>): Promise<TrainEnd> {
  const e = await getEngine();
  let resume: TrainingCheckpoint | undefined;
  if (req.resume) {
    const stored = await store.load();
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
  const progress = progressThrottle();
  let datasetStored = false;
  lostMessage = null;
  const r = await e.train({
    resume,
    previewBudget: req.previewBudget,
    onStart: (model) => {
      emit({ type: 'model', model });
      // A resumed run shows its whole loss history, not only the epochs still to come.
      for (const ev of resume?.history ?? []) emit({ type: 'epoch', epoch: ev.epoch, trainLoss: ev.trainLoss, valLoss: ev.valLoss, learningRate: ev.learningRate, seconds: ev.seconds });
    },
    onStep: (s) => progress({ type: 'progress', epoch: s.epoch, epochs, step: s.step, stepsPerEpoch: s.stepsPerEpoch, loss: s.loss, patternsPerSecond: s.patternsPerSecond, etaSeconds: s.etaSeconds, memory: e.gpuInfo().memory! }),
    onEpoch: (ev) => emit({ type: 'epoch', epoch: ev.epoch, trainLoss: ev.trainLoss, valLoss: ev.valLoss, learningRate: ev.learningRate, seconds: ev.seconds }),
    onPreview: (p) => emit({ type: 'preview', preview: p }, [p.amplitude.buffer, p.phase.buffer]),
    onCheckpoint: async (k) => {
      try {
        await store.save(k, datasetStored ? undefined : ds.bytes);
        datasetStored = true;
        emit({ type: 'checkpoint', info: checkpointInfo(k) });
      } catch (err) {
        emit({ type: 'checkpoint-error', error: errorInfo(err) });
      }
    },
  });
  const end: TrainEnd = { status: r.status, error: r.error, epochs: r.epochs.length, model: null, preview: r.preview };
  if (lostMessage) {
    end.status = 'failed';
    end.error = `the GPU device was lost (${lostMessage}); the last checkpoint is kept: resume or export it`;
    return end;
  }
  end.model = e.modelInfo;
  if (e.model) {
    try {
      const p = await e.reconstruct({ stitch: 'barycentric', onProgress: (done, total) => emit({ type: 'reconstruct-progress', done, total }) });
      end.result = e.resultImage(p);
    } catch (err) {
      end.resultError = errorInfo(err);
    }
  }
  return end;
}

async function handle(req: Request): Promise<Results[keyof Results]> {
  switch (req.type) {
    case 'init': {
      const e = await getEngine();
      try {
        return { gpu: e.gpuInfo(), checkpoint: await store.info() } satisfies Results['init'];
      } catch (err) {
        return { gpu: e.gpuInfo(), checkpoint: null, checkpointError: errorInfo(err) } satisfies Results['init'];
      }
    }
    case 'gpuInfo':
      return (await getEngine()).gpuInfo();
    case 'load': {
      const e = await getEngine();
      const bytes = new Uint8Array(req.bytes);
      if (Engine.fileKind(bytes) !== 'dataset') {
        const m = e.openModel(bytes, req.fileName);
        return { kind: 'model', model: m.info, config: e.config } satisfies Results['load'];
      }
      await e.loadDataset(bytes, req.fileName);
      return datasetLoaded(e);
    }
    case 'simulate': {
      const e = await getEngine();
      await e.simulate(req.request);
      return datasetLoaded(e);
    }
    case 'setConfig': {
      const e = await getEngine();
      return { config: e.setConfig(req.config, { explicit: req.explicit, replaceExplicit: req.replaceExplicit }), model: e.modelInfo };
    }
    case 'train':
      return train(req);
    case 'pause':
      engine?.pause();
      return null;
    case 'resume':
      engine?.resume();
      return null;
    case 'stop':
      engine?.stop();
      return null;
    case 'reconstruct': {
      const e = await getEngine();
      const p = await e.reconstruct({ stitch: req.stitch, onProgress: (done, total) => emit({ type: 'reconstruct-progress', done, total }) });
      return e.resultImage(p);
    }
    case 'exportModel': {
      const e = await getEngine();
      return fileOut(await e.saveModel(), `${baseName(e.dataset)}-model.zip`);
    }
    case 'exportRecon': {
      const e = await getEngine();
      if (!e.lastProduct) throw new PtychoError('cli-usage', 'there is no reconstruction to export yet', 'train a model or open one, then reconstruct');
      return fileOut(Engine.reconstructionNpz(e.lastProduct), `${baseName(e.dataset)}-reconstruction.npz`);
    }
    case 'exportProduct': {
      // The Ptychodus NPZ product (specs/npz.md): opens in Ptychodus.
      const e = await getEngine();
      return fileOut(e.reconstructionProduct(), `${baseName(e.dataset)}-ptychodus-product.npz`);
    }
    case 'exportCheckpoint': {
      const stored = await store.load();
      if (!stored) throw new PtychoError('storage', 'there is no checkpoint to export', 'train first');
      const k = stored.checkpoint;
      return fileOut(checkpointToArchive(k), `${k.dataset.fileName.replace(/\.(npz|npy)$/i, '')}-epoch${k.epoch + 1}-model.zip`);
    }
    case 'discardCheckpoint':
      await store.clear();
      return null;
    case 'loseDevice': {
      // Test hook: destroying the device makes it lost, exactly as a driver reset would.
      const e = await getEngine();
      e.gpu.device.destroy();
      return null;
    }
    case 'failStorage':
      // Test hook: later checkpoint writes fail with this DOMException name (e.g. QuotaExceededError).
      store.injectFault(req.name);
      return null;
  }
}

/** Transferables of a result: the big arrays move instead of being copied. */
function transferOf(result: unknown): Transferable[] {
  const r = result as Record<string, unknown> | null;
  if (!r || typeof r !== 'object') return [];
  if ((r as { kind?: string }).kind === 'dataset') return previewTransfer(r as unknown as DatasetLoaded);
  const out: Transferable[] = [];
  const img = ('object' in r && 'weights' in r ? r : (r.result as Record<string, unknown> | undefined)) as { object?: Float32Array; weights?: Float32Array; truth?: Float32Array } | undefined;
  if (img?.object instanceof Float32Array) {
    out.push(img.object.buffer as ArrayBuffer, img.weights!.buffer as ArrayBuffer);
    if (img.truth) out.push(img.truth.buffer as ArrayBuffer);
  }
  if (r.bytes instanceof ArrayBuffer) out.push(r.bytes);
  return out;
}

ctx.onmessage = async (ev: MessageEvent<Request>) => {
  const req = ev.data;
  try {
    const result = await handle(req);
    ctx.postMessage({ id: req.id, ok: true, result }, transferOf(result));
  } catch (e) {
    ctx.postMessage({ id: req.id, ok: false, error: errorInfo(e) });
  }
};
