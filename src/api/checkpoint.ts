/**
 * Training checkpoints: everything needed to continue a run exactly where it stopped (weights, Adam's moments and
 * step count, the epoch, the config, the loss history, the physics scale) plus the identity of the scan it
 * trained on. Plain data (typed arrays, strings, numbers) so it can be stored in IndexedDB by structured clone,
 * or on disk; `checkpointToArchive` turns one into a model archive without a GPU.
 */
import type { TrainingConfig } from '../config/schema';
import type { EpochEvent } from '../model/train';
import { PtychoError } from '../errors';
import { buildModelArchive } from './modelFiles';
import type { CheckpointInfo } from './types';

export const CHECKPOINT_FORMAT = 'ptychopinn-web-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface TrainingCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  createdAt: string;
  dataset: { fileName: string; sha256: string; nPatterns: number; N: number };
  config: TrainingConfig;
  /** Last completed epoch (0-based). */
  epoch: number;
  /** state_dict order. */
  weights: { name: string; shape: number[]; data: Float32Array }[];
  /** Adam moments per trainable parameter (trainable order) and its step count. */
  adam: { m: Float32Array[]; v: Float32Array[]; t: number };
  history: EpochEvent[];
  physicsScale: number;
}

/** Where checkpoints live (IndexedDB in the browser, a folder in Node). One current checkpoint per store. */
export interface CheckpointStore {
  save(c: TrainingCheckpoint, datasetBytes?: Uint8Array): Promise<void>;
  load(): Promise<{ checkpoint: TrainingCheckpoint; datasetBytes: Uint8Array | null } | null>;
  info(): Promise<CheckpointInfo | null>;
  clear(): Promise<void>;
}

export function checkpointInfo(c: TrainingCheckpoint): CheckpointInfo {
  const last = c.history[c.history.length - 1];
  return {
    createdAt: c.createdAt,
    datasetFileName: c.dataset.fileName,
    datasetSha256: c.dataset.sha256,
    epochsDone: c.epoch + 1,
    epochs: c.config.nepochs,
    lastTrainLoss: last ? last.trainLoss : null,
    config: c.config,
  };
}

/** Refuse something that is not a checkpoint of ours (a damaged or foreign store entry). */
export function checkCheckpoint(c: unknown, source = 'checkpoint'): TrainingCheckpoint {
  const k = c as Partial<TrainingCheckpoint> | null;
  if (!k || typeof k !== 'object' || k.format !== CHECKPOINT_FORMAT) {
    throw new PtychoError(
      'model-archive',
      `${source}: not a PtychoPINN Web training checkpoint`,
      'discard it and train again',
    );
  }
  if ((k.version ?? 0) > CHECKPOINT_VERSION)
    throw new PtychoError(
      'model-archive',
      `${source}: checkpoint version ${k.version} is newer than this app`,
      'update the app, or discard the checkpoint',
    );
  if (
    !Array.isArray(k.weights) ||
    !k.adam ||
    !Array.isArray(k.history) ||
    typeof k.epoch !== 'number' ||
    !k.config ||
    !k.dataset
  ) {
    throw new PtychoError('model-archive', `${source}: the checkpoint is incomplete`, 'discard it and train again');
  }
  return k as TrainingCheckpoint;
}

/** The checkpoint's weights as a model archive (specs/model_archive.md), no GPU needed. */
export function checkpointToArchive(c: TrainingCheckpoint): Uint8Array {
  return buildModelArchive({
    config: c.config,
    weights: new Map(c.weights.map((w) => [w.name, { shape: w.shape, data: w.data }])),
    history: c.history,
    physicsScale: c.physicsScale,
    datasetSha256: c.dataset.sha256,
  });
}
