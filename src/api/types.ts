/**
 * Plain data that the engine hands to its callers (the worker, the UI, the CLI): no GPU objects, only numbers,
 * strings and typed arrays, so every value can cross a postMessage or a WebSocket as is.
 */
import type { TrainingConfig } from '../config/schema';
import type { PreviewImage } from '../model/infer';
import type { DatasetSummary } from '../pipeline/summary';

export type { DatasetSummary };

export interface ImagePreview {
  width: number;
  height: number;
  /** Row-major values (amplitude, phase, or log-intensity). */
  data: Float32Array;
}

/** What the dataset panel shows of a loaded scan. */
export interface DatasetPreview {
  summary: DatasetSummary;
  objectAmplitude?: ImagePreview;
  objectPhase?: ImagePreview;
  probeAmplitude: ImagePreview;
  probePhase: ImagePreview;
  /** log10(1 + A²) of the first pattern. */
  pattern: ImagePreview;
  /** Scan positions (object pixels), for the scan plot. */
  scanX: Float32Array;
  scanY: Float32Array;
}

export interface MemoryInfo {
  /** Bytes of GPU buffers allocated by the engine (pooled, in use or free). */
  allocatedBytes: number;
  inUseBytes: number;
  peakInUseBytes: number;
}

export interface GpuInfo {
  available: boolean;
  description: string;
  isFallbackAdapter: boolean;
  /** Where the compute runs, e.g. 'browser', 'node (Dawn)'. */
  runtime?: string;
  memory?: MemoryInfo;
  reason?: string;
  hint?: string;
}

/** Plain-number reconstruction metrics (JSON, UI). */
export interface MetricsSummary {
  /** r: Pearson correlation with objectGuess on the well-lit pixels (null when undefined: a constant image). */
  amplitude: { r: number | null; ssim: number; psnr: number; frcResolutionPx: number | null };
  phase: { r: number | null; ssim: number; psnr: number; frcResolutionPx: number | null };
  /** The amplitude is flat: its std is under 1 % of objectGuess's (src/pipeline/metrics.ts). */
  collapsed: boolean;
  frcThreshold: 'half-bit' | 0.5;
  phaseOffset: number;
  amplitudeScale: number;
  region: { x0: number; y0: number; width: number; height: number };
}

export type StitchMethod = 'barycentric' | 'position';

/** A stitched reconstruction for display and export. */
export interface ResultImage {
  width: number;
  height: number;
  /** Object-pixel [x, y] of canvas pixel (0, 0). */
  origin: [number, number];
  /** (height, width) complex64, interleaved (re, im). */
  object: Float32Array;
  /** (height, width) overlap weights. */
  weights: Float32Array;
  /** objectGuess over the same canvas (complex64, zeros outside the object), when the scan has one. */
  truth?: Float32Array;
  metrics?: MetricsSummary;
  /** How the object was made: the network's patches stitched, or the iterative solver. */
  stitch: StitchMethod | 'solver';
  patches: number;
  /** The group phase alignment of a network result (specs/reconstruction.md §2), when it ran. */
  phaseAlignment?: PhaseAlignmentSummary;
  /** For a solver result: what ran, and how far the probe and positions were refined. */
  solver?: SolverSummary;
}

/** What the group phase alignment did: groups, RMS correction (rad), the fraction kept (0, 0.5, 1), misfits. */
export interface PhaseAlignmentSummary {
  groups: number;
  rmsCorrection: number;
  kept: number;
  misfit: [number, number, number];
  /** Why it did not run (the plain stitch is shown). */
  skipped?: string;
}

/** A solve in a few numbers, for the result view and JSON. */
export interface SolverSummary {
  init: 'flat' | 'model';
  iterations: number;
  seconds: number;
  /** The last iteration's Fourier error Σ(|F| − m)² / Σ m². */
  error: number | null;
  refinedProbe: boolean;
  refinedPositions: boolean;
  /** RMS move of the positions in pixels. */
  positionRms: number;
}

/** The display-sized live preview of the stitched object during training. */
export interface LivePreview extends PreviewImage {
  epoch: number;
  step: number;
  /** Seconds the previews took so far / seconds of the run so far. */
  overhead: number;
}

export interface ModelInfo {
  kind: 'native' | 'torch' | 'trained' | 'checkpoint';
  source: string;
  N: number;
  gridsize: number;
  nFiltersScale: number;
  /** The generator in a few words: 'CNN · n_filters_scale 2' or 'ffno · width 8 · 1 block · 12 modes'. */
  generator: string;
  parameters: number;
}

/** Summary of a stored training checkpoint (what the resume banner shows). */
export interface CheckpointInfo {
  createdAt: string;
  datasetFileName: string;
  datasetSha256: string;
  /** Epochs completed (1-based count). */
  epochsDone: number;
  epochs: number;
  lastTrainLoss: number | null;
  config: TrainingConfig;
}
