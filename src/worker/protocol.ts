import type { DatasetSummary } from '../pipeline/summary';

/** Messages between the UI thread and the engine worker. Large arrays travel as transferable buffers. */
export interface ImagePreview {
  width: number;
  height: number;
  /** Row-major values (amplitude, phase, or log-intensity). */
  data: Float32Array;
}

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

export interface GpuInfo {
  available: boolean;
  description: string;
  isFallbackAdapter: boolean;
  reason?: string;
  hint?: string;
}

export interface ErrorInfo {
  code: string;
  message: string;
  hint: string;
}

export type Request =
  | { id: number; type: 'load'; fileName: string; bytes: ArrayBuffer }
  | { id: number; type: 'gpuInfo' };

export type Response = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: ErrorInfo };
