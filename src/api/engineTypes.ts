/**
 * The plain data the engine (src/api/engine.ts) takes and hands out beyond src/api/types.ts: a loaded scan, a
 * reconstruction, the training callbacks and result, and a simulation request.
 */
import type { Collapse } from '../model/collapse';
import type { ReconstructionMetrics } from '../pipeline/metrics';
import type { NdArray } from '../pipeline/ndarray';
import type { RawData } from '../pipeline/rawData';
import type { SimulateOptions } from '../pipeline/simulate';
import type { DatasetSummary } from '../pipeline/summary';
import type { ReconstructionImage } from '../model/infer';
import type { EpochEvent, StepEvent, TrainResult } from '../model/train';
import type { TrainingCheckpoint } from './checkpoint';
import type { SolverOutcome } from './engineSolve';
import type { LivePreview, ModelInfo, StitchMethod } from './types';

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
  /** How the object was made: the network's patches stitched one way or the other, or the iterative solver. */
  stitch: StitchMethod | 'solver';
  /** The solver's probe, positions and history (solver products only). */
  solver?: SolverOutcome;
}

export interface TrainEvents {
  onStep?: (e: StepEvent) => void;
  /** Each epoch's end, with the collapse the run is in (src/model/collapse.ts), if any. */
  onEpoch?: (e: EpochEvent, collapse: Collapse | null) => void;
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

/** Live-preview cost: previews shown, seconds they took, and their share of the run's wall time. */
export interface PreviewStats {
  count: number;
  seconds: number;
  wallSeconds: number;
  overhead: number;
}

export interface EngineTrainResult extends TrainResult {
  groups: number;
  warnings: string[];
  /** The amplitude went flat (src/model/collapse.ts): from which epoch, and the last contrast; null if not. */
  collapse: Collapse | null;
  /** Live-preview cost: previews shown, seconds they took, and their share of the run's wall time. */
  preview: PreviewStats;
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
