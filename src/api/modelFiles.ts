/**
 * Model files in and out of the engine: our native archive (specs/model_archive.md) and the reference's PyTorch
 * bundle (wts.h5.zip), told apart by their members, not by file name; configs recovered from either.
 */
import { unzipSync } from 'fflate';
import { dataclassToLegacyDict } from '../config/legacy';
import { makeTrainingConfig, type TrainingConfig } from '../config/schema';
import { PtychoError } from '../errors';
import type { EpochEvent } from '../model/train';
import { ARCHIVE_FORMAT, ARCHIVE_VERSION, readModelArchive, writeModelArchive } from '../pipeline/archive/modelArchive';
import { readTorchBundle } from '../pipeline/archive/torchBundle';

export const APP_VERSION = '0.1.0';

export type FileKind = 'dataset' | 'model-native' | 'model-torch';

/** What a dropped file is, by content: a model archive (manifest.json / manifest.dill member) or a scan. */
export function fileKind(bytes: Uint8Array): FileKind {
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  if (!isZip) return 'dataset';
  const names: string[] = [];
  try {
    // Names only: the filter declines every member, so nothing is inflated.
    unzipSync(bytes, { filter: (f) => (names.push(f.name), false) });
  } catch {
    return 'dataset'; // the NPZ reader gives the precise error
  }
  if (names.includes('manifest.json')) return 'model-native';
  if (names.some((n) => n === 'manifest.dill' || n.endsWith('/manifest.dill'))) return 'model-torch';
  return 'dataset';
}

export interface OpenedModel {
  kind: 'native' | 'torch';
  config: TrainingConfig;
  weights: Map<string, Float32Array>;
  history: EpochEvent[];
  /** The physics (intensity) scale stored with the model, when it has one. */
  physicsScale: number | null;
}

/** Read our archive or the reference's bundle into a config and weights (no GPU). */
export function readModelFile(bytes: Uint8Array, fileName: string): OpenedModel {
  const kind = fileKind(bytes);
  if (kind === 'model-native') {
    const a = readModelArchive(bytes, fileName);
    const cfg = makeTrainingConfig({ ...(a.config.training as object), model: a.config.model as object } as never);
    const s = Number(a.params.intensity_scale);
    return {
      kind: 'native',
      config: cfg,
      weights: new Map([...a.weights].map(([k, v]) => [k, v.data])),
      history: a.history.map((h) => ({ ...h, seconds: 0, patternsPerSecond: 0 })),
      physicsScale: Number.isFinite(s) && s > 0 ? s : null,
    };
  }
  if (kind === 'dataset') {
    throw new PtychoError('model-archive', `${fileName}: not a model archive (no manifest.json or manifest.dill member)`, 'open a model .zip exported by this app or a PtychoPINN wts.h5.zip');
  }
  const b = readTorchBundle(bytes, fileName);
  const p = b.params;
  const cfg = makeTrainingConfig({
    nphotons: Number(p.nphotons ?? 1e9),
    neighbor_count: Number(p.neighbor_count ?? 4),
    model: {
      N: Number(p.N) as never,
      gridsize: Number(p.gridsize ?? 1),
      n_filters_scale: Number(p.n_filters_scale ?? 2),
      amp_activation: (p.amp_activation as never) ?? 'sigmoid',
      object_big: p['object.big'] !== false,
      probe_big: p['probe.big'] !== false,
      probe_mask: p['probe.mask'] === true,
      probe_scale: Number(p.probe_scale ?? 4),
      cbam_encoder: [...b.stateDict.keys()].some((k) => k.includes('.attention.')),
    },
  });
  const s = Number(p.intensity_scale);
  return { kind: 'torch', config: cfg, weights: new Map([...b.stateDict].map(([k, v]) => [k, v.data])), history: [], physicsScale: Number.isFinite(s) && s > 0 ? s : null };
}

/** Our model archive from plain parts (shared by the engine's save and checkpoint export). */
export function buildModelArchive(a: {
  config: TrainingConfig;
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  history: readonly EpochEvent[];
  physicsScale: number;
  datasetSha256: string | null;
}): Uint8Array {
  const params: Record<string, unknown> = { ...dataclassToLegacyDict(a.config), intensity_scale: a.physicsScale, _version: `${APP_VERSION}-webgpu` };
  return writeModelArchive({
    manifest: { format: ARCHIVE_FORMAT, version: ARCHIVE_VERSION, models: ['diffraction_to_obj'], backend: 'webgpu', appVersion: APP_VERSION, createdAt: new Date().toISOString(), datasetSha256: a.datasetSha256, seed: a.config.seed },
    params,
    config: { model: { ...a.config.model }, training: { ...a.config, model: undefined } as Record<string, unknown> },
    weights: a.weights,
    history: a.history.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, valLoss: e.valLoss, learningRate: e.learningRate })),
  });
}
