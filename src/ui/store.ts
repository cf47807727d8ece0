/**
 * UI state (zustand): plain data for rendering, mirrored from the engine worker's answers and events. The engine
 * decides (N from the probe, nphotons from the file, which model survives a load); this store only records.
 */
import { create, type StoreApi } from 'zustand';
import { makeTrainingConfig, type TrainingConfig } from '../config/schema';
import type {
  AttachState,
  CheckpointInfo,
  DatasetPreview,
  ErrorInfo,
  GpuInfo,
  LivePreview,
  ModelInfo,
  ResultImage,
  SimulateRequest,
  StitchMethod,
  TrainEnd,
  WorkerEvent,
} from '../worker/protocol';
import { NO_RESULTS, withResult, type ResultKind, type ResultSet } from './resultSet';
import { solverProgress, type SolverRun } from './solverRun';

export type Status = 'idle' | 'loading' | 'ready' | 'training' | 'solving' | 'paused' | 'trained' | 'error';

/** A training run or a solve holds the engine (paused included): settings, loads and other runs wait. */
export const isRunning = (s: Status) => s === 'training' || s === 'solving' || s === 'paused';

export interface EpochPoint {
  /** 1-based epoch. */
  epoch: number;
  train: number;
  val: number | null;
  lr: number;
  /** Amplitude contrast where the probe lights the object (the collapse detector, src/model/collapse.ts). */
  contrast?: number;
}

export interface Progress {
  /** 1-based epoch and step in progress. */
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  patternsPerSecond: number;
  etaSeconds: number;
}

/** Where the loaded scan came from (what a link can reproduce). */
export type DatasetSource =
  { kind: 'example'; name: string } | { kind: 'simulated'; request: SimulateRequest } | { kind: 'file'; name: string };

export interface AppState {
  status: Status;
  /** A long action in progress, in words ('reconstructing 32/256 groups'), or null. */
  busy: string | null;
  dataset: DatasetPreview | null;
  datasetSource: DatasetSource | null;
  config: TrainingConfig;
  gpu: GpuInfo | null;
  model: ModelInfo | null;
  progress: Progress | null;
  losses: EpochPoint[];
  /** Running training loss within epochs: [fractional epoch, loss]. */
  stepLosses: [number, number][];
  live: LivePreview | null;
  /** The job the live views follow: the last training run or solve started (the preview and progress line). */
  liveFrom: 'training' | 'solver';
  previews: number;
  /** The result shown (one of `results`). */
  result: ResultImage | null;
  /** The last result of each kind: network, solver, refined (src/ui/resultSet.ts). */
  results: ResultSet;
  shown: ResultKind | null;
  latest: ResultKind | null;
  /** The solve in progress or the last one: latest iteration, error per iteration. */
  solver: SolverRun | null;
  stitch: StitchMethod;
  checkpoint: CheckpointInfo | null;
  /** Why the page offers to resume or export the stored checkpoint (reload, crash, lost device), or null. */
  recovery: string | null;
  /** A storage problem with checkpoints (shown, never silent). */
  storageWarning: ErrorInfo | null;
  lastRun: TrainEnd | null;
  /** The amplitude collapsed in the run in progress or the last one (from which epoch, what to restart with). */
  collapse: TrainEnd['collapse'];
  error: ErrorInfo | null;
  /** Where the engine runs: this page's worker, or an engine server at `host` (host:port). */
  engine: { kind: 'browser' } | { kind: 'server'; host: string };
  /** Engine server: whether this page controls the job, and how many pages watch it. */
  control: { controller: boolean; clients: number } | null;
  /** Engine server: the connection's state when it is not simply open (lost, refused), or null. */
  connection: { state: 'open' | 'lost' | 'refused'; message: string } | null;
  set(p: Partial<AppState>): void;
  setError(e: ErrorInfo): void;
  applyEvent(e: WorkerEvent): void;
}

type SetState = StoreApi<AppState>['setState'];

/** A progress event: the bar, the per-step loss, the GPU memory, and the end of "preparing"/"resuming". */
function progressUpdate(s: AppState, e: Extract<WorkerEvent, { type: 'progress' }>): Partial<AppState> {
  const p: Progress = {
    epoch: e.epoch + 1,
    epochs: e.epochs,
    step: e.step + 1,
    stepsPerEpoch: e.stepsPerEpoch,
    patternsPerSecond: e.patternsPerSecond,
    etaSeconds: e.etaSeconds,
  };
  const stepLosses =
    e.loss !== undefined
      ? [...s.stepLosses, [e.epoch + (e.step + 1) / e.stepsPerEpoch, e.loss] as [number, number]]
      : s.stepLosses;
  return {
    progress: p,
    stepLosses,
    gpu: s.gpu ? { ...s.gpu, memory: e.memory } : s.gpu,
    busy: s.busy && /^(preparing|resuming)/.test(s.busy) ? null : s.busy,
  };
}

/** An epoch event as a point of the loss chart (1-based epoch). */
function epochPoint(e: Extract<WorkerEvent, { type: 'epoch' }>): EpochPoint {
  return { epoch: e.epoch + 1, train: e.trainLoss, val: e.valLoss, lr: e.learningRate, contrast: e.amplitudeContrast };
}

/** The page state of a job an engine already holds: scan, config, model, the run in progress and its history, the result. */
export function attachedState(a: AttachState): Partial<AppState> {
  const t = a.training;
  return {
    dataset: a.dataset?.preview ?? null,
    datasetSource: a.dataset ? { kind: 'file', name: 'on the engine server' } : null,
    config: a.config,
    model: a.model,
    ...NO_RESULTS,
    ...withResult({}, a.result),
    lastRun: a.lastRun,
    live: t?.preview ?? null,
    losses: (t?.epochs ?? []).map(epochPoint),
    collapse: t ? (t.epochs.at(-1)?.collapse ?? null) : (a.lastRun?.collapse ?? null),
    stepLosses: [],
    status: t ? (t.paused ? 'paused' : 'training') : a.model ? 'trained' : a.dataset ? 'ready' : 'idle',
    busy: null,
    error: null,
    recovery: null,
  };
}

/** What each engine event does to the page state. */
function applyEvent(e: WorkerEvent, set: SetState, get: () => AppState): void {
  switch (e.type) {
    case 'progress':
      set(progressUpdate(get(), e));
      break;
    case 'epoch':
      set((s) => ({
        losses: [...s.losses.filter((l) => l.epoch !== e.epoch + 1), epochPoint(e)],
        collapse: e.collapse ?? null,
      }));
      break;
    case 'preview':
      set((s) => ({ live: e.preview, previews: s.previews + 1, liveFrom: s.solver?.running ? 'solver' : 'training' }));
      break;
    case 'solve-progress':
      set((s) => ({ solver: solverProgress(s.solver, e), busy: s.busy?.startsWith('preparing') ? null : s.busy }));
      break;
    case 'checkpoint':
      set({ checkpoint: e.info, storageWarning: null });
      break;
    case 'checkpoint-error':
      set({ storageWarning: e.error });
      break;
    case 'reconstruct-progress':
      set({ busy: `reconstructing: ${e.done}/${e.total} groups predicted` });
      break;
    case 'model':
      set({ model: e.model });
      break;
    case 'dataset':
      // The engine switched scans (a resumed checkpoint's): results of the old scan go, the view shows the new one.
      set({
        dataset: e.dataset.preview,
        datasetSource: { kind: 'file', name: e.dataset.preview.summary.fileName },
        ...NO_RESULTS,
        solver: null,
      });
      break;
    case 'control':
      set({ control: { controller: e.controller, clients: e.clients } });
      break;
    case 'connection':
      set({ connection: e.state === 'open' ? null : { state: e.state, message: e.message } });
      break;
    case 'device-lost':
      set((s) => ({
        recovery: `The GPU device was lost (${e.message}).`,
        model: null,
        status: s.dataset ? 'ready' : 'idle',
        error: {
          code: 'gpu-lost',
          message: `The GPU device was lost (${e.message}).`,
          hint: s.checkpoint ? 'Resume from the last checkpoint, or export it.' : 'Start training again.',
        },
      }));
      break;
  }
}

export const useStore = create<AppState>((set, get) => ({
  status: 'idle',
  busy: null,
  dataset: null,
  datasetSource: null,
  config: makeTrainingConfig(),
  gpu: null,
  model: null,
  progress: null,
  losses: [],
  stepLosses: [],
  live: null,
  liveFrom: 'training',
  previews: 0,
  ...NO_RESULTS,
  solver: null,
  stitch: 'barycentric',
  checkpoint: null,
  recovery: null,
  storageWarning: null,
  lastRun: null,
  collapse: null,
  error: null,
  engine: { kind: 'browser' },
  control: null,
  connection: null,
  set: (p) => set(p),
  // A failed action keeps whatever was loaded before; the status says what is usable.
  setError: (e) =>
    set((s) => ({
      error: e,
      busy: null,
      status:
        s.status === 'loading' || s.status === 'idle' || s.status === 'error'
          ? s.dataset
            ? s.model
              ? 'trained'
              : 'ready'
            : 'error'
          : s.status,
    })),
  applyEvent: (e) => applyEvent(e, set, get),
}));

/** Read-only state for tests and debugging: window.__ptychopinn (the browser tests read it: e2e/helpers.ts). */
export function exposeState(): void {
  const snapshot = () => {
    const s = useStore.getState();
    const last = s.losses[s.losses.length - 1];
    return Object.freeze({
      status: s.status,
      busy: s.busy,
      dataset: s.dataset ? s.dataset.summary : null,
      datasetSource: s.datasetSource,
      error: s.error,
      gpu: s.gpu,
      config: s.config,
      model: s.model,
      epoch: s.progress?.epoch ?? last?.epoch ?? 0,
      step: s.progress?.step ?? 0,
      losses: s.losses.map((l) => ({
        epoch: l.epoch,
        train: l.train,
        val: l.val,
        lr: l.lr,
        contrast: l.contrast ?? null,
      })),
      collapse: s.collapse ? { epoch: s.collapse.epoch + 1, contrast: s.collapse.contrast } : null,
      runningLosses: s.stepLosses.map(([x, l]) => ({ epoch: x, train: l })),
      metrics: s.result?.metrics ?? null,
      checkpoint: s.checkpoint
        ? { epoch: s.checkpoint.epochsDone, epochs: s.checkpoint.epochs, dataset: s.checkpoint.datasetFileName }
        : null,
      recovery: s.recovery,
      storageWarning: s.storageWarning,
      previews: s.previews,
      previewOverhead: s.live?.overhead ?? s.lastRun?.preview.overhead ?? null,
      lastRun: s.lastRun
        ? {
            status: s.lastRun.status,
            epochs: s.lastRun.epochs,
            error: s.lastRun.error ?? null,
            preview: s.lastRun.preview,
          }
        : null,
      /** Which result the page shows. */
      result: s.shown,
      // The latest iteration and its error, and the error of every iteration so far (first to last).
      solver: s.solver?.progress
        ? {
            iteration: s.solver.progress.iteration,
            error: s.solver.progress.error,
            errors: s.solver.errors.map(([, e]) => e),
          }
        : null,
      resultImage: s.result
        ? {
            width: s.result.width,
            height: s.result.height,
            origin: s.result.origin,
            stitch: s.result.stitch,
            patches: s.result.patches,
            phaseAlignment: s.result.phaseAlignment ?? null,
          }
        : null,
      stitch: s.stitch,
    });
  };
  Object.defineProperty(window, '__ptychopinn', { get: snapshot, configurable: true });
}
