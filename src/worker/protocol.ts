/**
 * Messages between the page and the engine worker (or an engine server speaking the same protocol). Requests carry
 * an id and get exactly one Response; the worker also sends unsolicited events (training progress, previews,
 * checkpoints, device loss). Every value is plain data from src/api/types.ts; large arrays travel as transferable
 * buffers.
 */
import type { Collapse } from '../api/engine';
import type { TrainingConfig } from '../config/schema';
import type { ErrorCode } from '../errors';
import type { SimulateRequest, SolveRequest } from '../api/engine';
import type {
  CheckpointInfo,
  DatasetPreview,
  GpuInfo,
  LivePreview,
  MemoryInfo,
  ModelInfo,
  ResultImage,
  StitchMethod,
} from '../api/types';

export type {
  CheckpointInfo,
  DatasetPreview,
  GpuInfo,
  LivePreview,
  ModelInfo,
  ResultImage,
  StitchMethod,
  SimulateRequest,
  SolveRequest,
};
export type { ImagePreview, SolverSummary, MetricsSummary } from '../api/types';

/** A PtychoError as it crosses the worker / server boundary (PtychoError.toJSON); the page picks its text by code. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  hint: string;
}

/** A loaded dataset and the config in effect after loading it (N follows the probe). */
export interface DatasetLoaded {
  kind: 'dataset';
  preview: DatasetPreview;
  config: TrainingConfig;
  /** Whether the model in the engine survived the load (same N). */
  model: ModelInfo | null;
}

export interface ModelLoaded {
  kind: 'model';
  model: ModelInfo;
  config: TrainingConfig;
}

export interface TrainEnd {
  status: 'completed' | 'stopped' | 'early-stopped' | 'failed';
  error?: string;
  epochs: number;
  model: ModelInfo | null;
  /** The reconstruction of the whole scan after training (absent if no model survived). */
  result?: ResultImage;
  resultError?: ErrorInfo;
  preview: { count: number; seconds: number; wallSeconds: number; overhead: number };
  /** The amplitude went flat (src/model/collapse.ts): from which epoch, the last contrast, and what to restart with. */
  collapse?: (Collapse & { restartWith: string }) | null;
}

export interface FileOut {
  bytes: ArrayBuffer;
  fileName: string;
}

export type Request =
  | { id: number; type: 'init' }
  | { id: number; type: 'load'; fileName: string; bytes: ArrayBuffer; source?: string }
  | { id: number; type: 'simulate'; request: SimulateRequest }
  | { id: number; type: 'setConfig'; config: TrainingConfig; explicit?: string[]; replaceExplicit?: boolean }
  | { id: number; type: 'train'; resume?: boolean; previewBudget?: number }
  | { id: number; type: 'pause' }
  | { id: number; type: 'resume' }
  | { id: number; type: 'stop' }
  | { id: number; type: 'reconstruct'; stitch: StitchMethod }
  /** The iterative solver on the loaded scan (init 'model': refine the model's object); pause / resume / stop act on it. */
  | { id: number; type: 'solve'; request: SolveRequest }
  | { id: number; type: 'exportModel' }
  | { id: number; type: 'exportTorch' }
  | { id: number; type: 'exportRecon' }
  | { id: number; type: 'exportProduct' }
  | { id: number; type: 'exportCheckpoint' }
  | { id: number; type: 'discardCheckpoint' }
  | { id: number; type: 'gpuInfo' }
  | { id: number; type: 'loseDevice' }
  | { id: number; type: 'failStorage'; name: string | null };

export interface InitResult {
  gpu: GpuInfo;
  checkpoint: CheckpointInfo | null;
  checkpointError?: ErrorInfo;
  /**
   * What the engine already holds when a page (re)connects to a running engine server: the scan, the model, the run
   * in progress with its history so far, and the last reconstruction. Null when the engine is fresh (always in a
   * page's own worker, which starts with the page).
   */
  attach: AttachState | null;
}

/** The job an engine holds, as a page joining it needs it. */
export interface AttachState {
  dataset: DatasetLoaded | null;
  config: TrainingConfig;
  model: ModelInfo | null;
  /** The run in progress, if any: its epochs so far and the latest progress and preview. */
  training: {
    paused: boolean;
    epochs: Extract<WorkerEvent, { type: 'epoch' }>[];
    progress: Extract<WorkerEvent, { type: 'progress' }> | null;
    preview: LivePreview | null;
  } | null;
  /** The last run's end and the last reconstruction. */
  lastRun: TrainEnd | null;
  result: ResultImage | null;
}

/** Result type per request type. */
export interface Results {
  init: InitResult;
  load: DatasetLoaded | ModelLoaded;
  simulate: DatasetLoaded;
  setConfig: { config: TrainingConfig; model: ModelInfo | null };
  train: TrainEnd;
  pause: null;
  resume: null;
  stop: null;
  reconstruct: ResultImage;
  /** The solver's object (after the last iteration run: all of them, or those before a stop). */
  solve: ResultImage;
  exportModel: FileOut;
  exportTorch: FileOut;
  exportRecon: FileOut;
  exportProduct: FileOut;
  exportCheckpoint: FileOut;
  discardCheckpoint: null;
  gpuInfo: GpuInfo;
  loseDevice: null;
  failStorage: null;
}

export type Response = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: ErrorInfo };

export type WorkerEvent =
  | {
      type: 'progress';
      epoch: number;
      epochs: number;
      step: number;
      stepsPerEpoch: number;
      loss?: number;
      patternsPerSecond: number;
      etaSeconds: number;
      memory: MemoryInfo;
    }
  | {
      type: 'epoch';
      epoch: number;
      trainLoss: number;
      valLoss: number | null;
      learningRate: number;
      seconds: number;
      /** The collapse detector's amplitude contrast (src/model/collapse.ts). */
      amplitudeContrast?: number;
      /** The collapse the run is in at this epoch, if any. */
      collapse?: TrainEnd['collapse'];
    }
  | { type: 'preview'; preview: LivePreview }
  | { type: 'model'; model: ModelInfo }
  /** The engine loaded another scan on its own (a resumed run brings back its checkpoint's scan): show it everywhere. */
  | { type: 'dataset'; dataset: DatasetLoaded }
  | { type: 'checkpoint'; info: CheckpointInfo }
  | { type: 'checkpoint-error'; error: ErrorInfo }
  | { type: 'reconstruct-progress'; done: number; total: number }
  /** One solver iteration done (1-based): the Fourier error Σ(|F| − m)² / Σ m², speed, RMS position move in px. */
  | {
      type: 'solve-progress';
      iteration: number;
      iterations: number;
      error: number;
      seconds: number;
      patternsPerSecond: number;
      positionRms: number;
    }
  | { type: 'device-lost'; message: string }
  /** A run ended (sent to every page, so one that joined mid-run sees the end it did not ask for). */
  | { type: 'train-end'; end: TrainEnd }
  /** Engine server only: whether this page controls the job, and how many pages are connected. */
  | { type: 'control'; controller: boolean; clients: number }
  /** Engine server only: the connection to the engine dropped, or came back (emitted by the page's own client). */
  | { type: 'connection'; state: 'open' | 'lost' | 'refused'; message: string };

/** Anything the worker posts: a response (has `id`) or an event (has `event`). */
export type WorkerMessage = Response | { event: WorkerEvent };
