/**
 * Model files in and out of the engine: our native archive (specs/model_archive.md) and the reference's PyTorch
 * bundle (wts.h5.zip), told apart by their members, not by file name; configs recovered from either.
 */
import { dataclassToLegacyDict } from '../config/legacy';
import {
  configFromTorchBundle,
  torchBundleParams,
  torchFilesWithOrigin,
  torchScalingMetadata,
  unbuildableTorchModelSettings,
} from '../config/torchBundle';
import { makeTrainingConfig, validateTrainingConfig, type TrainingConfig } from '../config/schema';
import { PtychoError } from '../errors';
import type { EpochEvent } from '../model/train';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  readModelArchive,
  writeModelArchive,
  type TorchOrigin,
} from '../pipeline/archive/modelArchive';
import { readTorchBundle, type StateDict, type StateTensor } from '../pipeline/archive/torchBundle';
import { zipMemberNames } from '../pipeline/zip';
import { modelParameterShapes } from '../model/ptychopinn';
import { modelSpec } from './modelSpec';
import { writeTorchBundle } from '../pipeline/archive/torchBundleWriter';
import { spectralStateDict, spectralWeightsFromStateDict } from './spectralBundle';

export const APP_VERSION = '0.1.0';

export type FileKind = 'dataset' | 'model-native' | 'model-torch';

/** What a dropped file is, by content: a model archive (manifest.json / manifest.dill member) or a scan. */
export function fileKind(bytes: Uint8Array): FileKind {
  const isZip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  if (!isZip) return 'dataset';
  let names: string[];
  try {
    // Names only, from the validated central directory (a lying entry count cannot make this loop for long).
    names = zipMemberNames(bytes);
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

/**
 * Read our archive or the reference's bundle into a config and weights (no GPU); the weights are checked against
 * the config's parameter shapes and for NaN/Inf (checkWeights).
 */
export function readModelFile(bytes: Uint8Array, fileName: string): OpenedModel {
  const kind = fileKind(bytes);
  if (kind === 'model-native') {
    const a = readModelArchive(bytes, fileName);
    const cfg = makeTrainingConfig({ ...(a.config.training as object), model: a.config.model as object } as never);
    checkWeights(fileName, cfg, a.weights);
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
    throw new PtychoError(
      'model-archive',
      `${fileName}: not a model archive (no manifest.json or manifest.dill member)`,
      'open a model .zip exported by this app or a PtychoPINN wts.h5.zip',
    );
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
  const modelConfig = b.scalingMetadata?.model_config;
  if (modelConfig && typeof modelConfig === 'object') {
    const bad = unbuildableTorchModelSettings(modelConfig as Record<string, unknown>);
    if (bad.length)
      throw new PtychoError(
        'model-archive',
        `${fileName}: torch_scaling_metadata.pt sets ${bad.map((b) => `model_config.${b.field} = ${JSON.stringify(b.value)}`).join(', ')}; this app builds the reference CNN with ${bad.map((b) => `${b.field} = ${JSON.stringify(b.built)}`).join(', ')} only, so it would predict differently from the model that was saved`,
        'reconstruct this model with PtychoPINN-PyTorch, or retrain it here with the default decoder settings',
      );
  }
  const config = configFromTorchBundle(p, b.scalingMetadata, cfg);
  validateBundleConfig(fileName, config);
  const weights = bundleWeights(fileName, config, b.stateDict);
  checkWeights(fileName, config, weights);
  const s = Number(p.intensity_scale);
  return {
    kind: 'torch',
    config,
    weights: new Map([...weights].map(([k, v]) => [k, v.data])),
    history: [],
    physicsScale: Number.isFinite(s) && s > 0 ? s : null,
  };
}

/**
 * A bundle's state_dict as our weights: the CNN's as stored; a spectral generator's unique parameters from the
 * reference's aliased keys (spectralWeightsFromStateDict: every alias checked to hold the same values).
 */
function bundleWeights(fileName: string, config: TrainingConfig, stateDict: StateDict): Map<string, StateTensor> {
  if (config.model.architecture === 'cnn') return stateDict;
  return spectralWeightsFromStateDict(fileName, modelSpec(config).spectral!, stateDict);
}

/** A bundle's settings are checked before its weights, so a damaged config is named as such (field and value). */
function validateBundleConfig(fileName: string, config: TrainingConfig): void {
  try {
    validateTrainingConfig(config);
  } catch (e) {
    if (!(e instanceof PtychoError) || e.code !== 'config') throw e;
    throw new PtychoError(
      'model-archive',
      `${fileName}: diffraction_to_obj/params.dill / torch_scaling_metadata.pt: ${e.message}`,
      `${e.hint}; the bundle's settings are damaged or were not written by PtychoPINN`,
      { field: e.field },
    );
  }
}

export { generatorSpecOf } from './modelSpec';

/**
 * Every parameter the config's generator needs is present with exactly its expected shape (a flattened or transposed
 * weight is refused, not silently reinterpreted) and holds only finite values; refused with a `model-archive`
 * PtychoError naming the file, the weight, the shape seen and the shape expected. Extra entries are ignored.
 */
export function checkWeights(
  fileName: string,
  cfg: TrainingConfig,
  weights: Map<string, { shape: number[]; data: Float32Array }>,
): void {
  const m = cfg.model;
  let shapes: [string, number[]][];
  try {
    shapes = modelParameterShapes(modelSpec(cfg));
  } catch (e) {
    throw new PtychoError(
      'model-archive',
      `${fileName}: the stored model settings (N=${m.N}, gridsize=${m.gridsize}, n_filters_scale=${m.n_filters_scale}) do not describe a generator this app can build (${(e as Error).message})`,
      'the archive is damaged or was written for another architecture',
    );
  }
  const bad = (msg: string, hint: string): never => {
    throw new PtychoError('model-archive', `${fileName}: ${msg}`, hint);
  };
  for (const [name, shape] of shapes) {
    const w = weights.get(name);
    if (!w)
      bad(
        `weight ${name} is missing (expected shape (${shape.join(', ')}) for N=${m.N}, gridsize=${m.gridsize}, n_filters_scale=${m.n_filters_scale})`,
        'the archive is incomplete or its config does not match its weights',
      );
    const t = w!;
    if (
      t.shape.length !== shape.length ||
      t.shape.some((d, i) => d !== shape[i]) ||
      t.data.length !== shape.reduce((a, b) => a * b, 1)
    ) {
      bad(
        `weight ${name} has shape (${t.shape.join(', ')}), expected (${shape.join(', ')})`,
        'the archive is damaged or its config does not match its weights; re-export the model',
      );
    }
    for (let i = 0; i < t.data.length; i++) {
      if (!Number.isFinite(t.data[i]))
        bad(
          `weight ${name} holds ${t.data[i]} at flat index ${i}`,
          'the model diverged before it was saved: retrain (lower the learning rate) or use an earlier checkpoint',
        );
    }
  }
}

/** Our model archive from plain parts (shared by the engine's save and checkpoint export). */
export function buildModelArchive(a: {
  config: TrainingConfig;
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  history: readonly EpochEvent[];
  physicsScale: number;
  datasetSha256: string | null;
  /** A converted PyTorch bundle's own params.dill and torch_scaling_metadata.pt (kept for the way back). */
  torchOrigin?: TorchOrigin;
}): Uint8Array {
  const params: Record<string, unknown> = {
    ...dataclassToLegacyDict(a.config),
    intensity_scale: a.physicsScale,
    _version: `${APP_VERSION}-webgpu`,
  };
  return writeModelArchive({
    manifest: {
      format: ARCHIVE_FORMAT,
      version: ARCHIVE_VERSION,
      models: ['diffraction_to_obj'],
      backend: 'webgpu',
      appVersion: APP_VERSION,
      createdAt: new Date().toISOString(),
      datasetSha256: a.datasetSha256,
      seed: a.config.seed,
    },
    params,
    config: { model: { ...a.config.model }, training: { ...a.config, model: undefined } as Record<string, unknown> },
    weights: a.weights,
    history: a.history.map((e) => ({
      epoch: e.epoch,
      trainLoss: e.trainLoss,
      valLoss: e.valLoss,
      learningRate: e.learningRate,
    })),
    ...(a.torchOrigin ? { torchOrigin: a.torchOrigin } : {}),
  });
}

/**
 * The params dict (params.dill) written into a wts.h5.zip made from our archive: the config bridge's
 * torchBundleParams (dataclass_to_legacy_dict of the canonical config relabelled for the PyTorch backend, plus
 * loss_function, intensity_scale = the physics scale, _version '2.0-pytorch'). The config is recovered from the
 * archive's config.json, so keys our older params.json lacked are filled in as well.
 */
export function torchParamsFromNative(config: TrainingConfig, physicsScale: number | null): Record<string, unknown> {
  return torchBundleParams(config, physicsScale ?? 1.0);
}

/**
 * Our native model archive → the reference's wts.h5.zip: our weights under the reference's state_dict names (a
 * spectral generator's as its full aliased key list, spectralStateDict; `_metadata` derived from the names), the params from torchParamsFromNative, the default manifest, and
 * torch_scaling_metadata.pt from the config bridge (torchScalingMetadata). Shared by the CLI's `convert --to torch`
 * and Engine.saveTorchBundle.
 */
export function nativeArchiveToTorchBundle(bytes: Uint8Array, fileName: string): Uint8Array {
  const a = readModelArchive(bytes, fileName);
  // Checked like any opened model (shapes against the config, no NaN/Inf): a bad archive is refused, not exported.
  const m = readModelFile(bytes, fileName);
  const params = torchParamsFromNative(m.config, m.physicsScale);
  const scalingMetadata = torchScalingMetadata(m.config);
  const spectral = m.config.model.architecture === 'cnn' ? null : modelSpec(m.config).spectral!;
  return writeTorchBundle({
    stateDict: spectral ? spectralStateDict(spectral, a.weights) : a.weights,
    ...(a.torchOrigin ? torchFilesWithOrigin(params, scalingMetadata, a.torchOrigin) : { params, scalingMetadata }),
  });
}

/**
 * The reference's wts.h5.zip → our native archive: the config as when the app opens the bundle (readModelFile), its
 * weights bit for bit, intensity_scale as the physics scale, and the bundle's own params.dill and
 * torch_scaling_metadata.pt kept (torch_origin.json) so nativeArchiveToTorchBundle gives them back.
 */
export function torchBundleToNativeArchive(bytes: Uint8Array, fileName: string): Uint8Array {
  const b = readTorchBundle(bytes, fileName);
  const m = readModelFile(bytes, fileName);
  const weights = bundleWeights(fileName, m.config, b.stateDict);
  return buildModelArchive({
    config: m.config,
    weights: new Map([...weights].map(([k, t]) => [k, { shape: t.shape.slice(), data: t.data }])),
    history: [],
    physicsScale: m.physicsScale ?? 1,
    datasetSha256: null,
    torchOrigin: { params: b.params, scalingMetadata: b.scalingMetadata ?? null },
  });
}
