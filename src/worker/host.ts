/**
 * The engine host: owns one Engine (src/api) and answers the page's requests (protocol.ts) with results and events
 * (one handler per request type: hostRequests.ts; a training run: hostTraining.ts; a solve: hostSolve.ts).
 * The browser runs it in a Web Worker (engine.worker.ts); `ptychopinn serve` runs the same host in Node behind a
 * WebSocket (src/server), so the page speaks one protocol to either. Errors travel back as {code, message, hint};
 * nothing here touches the DOM or reaches beneath src/api.
 */
import type { CheckpointStore } from '../api/checkpoint';
import { Engine } from '../api/engine';
import { PtychoError } from '../errors';
import { copyResult, datasetLoaded, requestHandlers, type HostState } from './hostRequests';
import { runSolve } from './hostSolve';
import { runTraining } from './hostTraining';
import type { AttachState, DatasetLoaded, Request, ResultImage, Results, TrainEnd, WorkerEvent } from './protocol';

export { errorInfo } from './hostRequests';

/** A checkpoint store the host can break on purpose (the browser tests' storage-fault hook). */
export interface HostCheckpointStore extends CheckpointStore {
  injectFault?(name: string | null): void;
}

export interface EngineHostOptions {
  /** Deliver an event to the page(s); `transfer` lists buffers that may move instead of being copied. */
  emit: (event: WorkerEvent, transfer: ArrayBuffer[]) => void;
  store: HostCheckpointStore;
  /** Makes the engine on first use (default: `Engine.create({ allowNoGpu: true })`). */
  createEngine?: () => Promise<Engine>;
}

function previewTransfer(d: DatasetLoaded): ArrayBuffer[] {
  const p = d.preview;
  const t: ArrayBufferLike[] = [
    p.probeAmplitude.data.buffer,
    p.probePhase.data.buffer,
    p.pattern.data.buffer,
    p.scanX.buffer,
    p.scanY.buffer,
  ];
  if (p.objectAmplitude) t.push(p.objectAmplitude.data.buffer);
  if (p.objectPhase) t.push(p.objectPhase.data.buffer);
  return t as ArrayBuffer[];
}

/** Transferables of a result: the big arrays move instead of being copied. */
export function transferOf(result: unknown): ArrayBuffer[] {
  const r = result as Record<string, unknown> | null;
  if (!r || typeof r !== 'object') return [];
  if ((r as { kind?: string }).kind === 'dataset') return previewTransfer(r as unknown as DatasetLoaded);
  const out: ArrayBuffer[] = [];
  const img = ('object' in r && 'weights' in r ? r : (r.result as Record<string, unknown> | undefined)) as
    { object?: Float32Array; weights?: Float32Array; truth?: Float32Array } | undefined;
  if (img?.object instanceof Float32Array) {
    out.push(img.object.buffer as ArrayBuffer, img.weights!.buffer as ArrayBuffer);
    if (img.truth) out.push(img.truth.buffer as ArrayBuffer);
  }
  if (r.bytes instanceof ArrayBuffer) out.push(r.bytes);
  return out;
}

export class EngineHost implements HostState {
  private engine: Engine | null = null;
  private creating: Promise<Engine> | null = null;
  lostMessage: string | null = null;
  readonly store: HostCheckpointStore;
  private readonly createEngine: () => Promise<Engine>;

  constructor(private readonly opts: EngineHostOptions) {
    this.store = opts.store;
    this.createEngine = opts.createEngine ?? (() => Engine.create({ allowNoGpu: true }));
  }

  job: NonNullable<AttachState['training']> | null = null;
  solving = false;
  lastRun: TrainEnd | null = null;
  lastResult: ResultImage | null = null;

  emit(event: WorkerEvent, transfer: ArrayBuffer[] = []): void {
    const job = this.job;
    if (job) {
      if (event.type === 'epoch') job.epochs = [...job.epochs.filter((x) => x.epoch !== event.epoch), event];
      else if (event.type === 'progress') job.progress = event;
      // Copied: the worker transfers the event's arrays to the page.
      else if (event.type === 'preview')
        job.preview = {
          ...event.preview,
          amplitude: event.preview.amplitude.slice(),
          phase: event.preview.phase.slice(),
        };
    }
    this.opts.emit(event, transfer);
  }

  /** What a page joining this engine needs (null while no scan is loaded). */
  attachState(e: Engine): AttachState | null {
    if (!e.dataset) return null;
    return {
      dataset: datasetLoaded(e),
      config: e.config,
      model: e.modelInfo,
      training: this.job,
      lastRun: this.lastRun,
      result: this.lastResult,
    };
  }

  /** One run at a time; its end goes to every page as a 'train-end' event as well as to the one that asked. */
  async train(req: Extract<Request, { type: 'train' }>): Promise<TrainEnd> {
    this.refuseIfBusy();
    this.job = { paused: false, epochs: [], progress: null, preview: null };
    let end: TrainEnd;
    try {
      end = await runTraining(this, await this.getEngine(), req);
    } finally {
      this.job = null;
    }
    this.lastRun = end;
    this.lastResult = end.result ?? null;
    this.emit({ type: 'train-end', end });
    return end;
  }

  /** One solve at a time, never during a training run (the engine holds one GPU job). */
  async solve(req: Extract<Request, { type: 'solve' }>): Promise<ResultImage> {
    this.refuseIfBusy();
    this.solving = true;
    try {
      const image = await runSolve(this, await this.getEngine(), req);
      // Kept for pages that join later (an engine server); the worker transfers the page's copy.
      this.lastResult = copyResult(image);
      return image;
    } finally {
      this.solving = false;
    }
  }

  private refuseIfBusy(): void {
    if (this.job) throw new PtychoError('busy', 'a training run is in progress', 'pause or stop it first');
    if (this.solving)
      throw new PtychoError('busy', 'the iterative solver is running', 'wait for it to finish, or stop it first');
  }

  /** The engine, once created (null before the first request). */
  get current(): Engine | null {
    return this.engine;
  }

  /** The engine, created on first use; after a lost device a fresh one takes over the scan and the config. */
  async getEngine(): Promise<Engine> {
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

  /** Answer one request (events go out through `emit` meanwhile). */
  async handle(req: Request): Promise<Results[keyof Results]> {
    const handler = requestHandlers[req.type] as (host: HostState, req: Request) => Promise<Results[keyof Results]>;
    return handler(this, req);
  }
}
