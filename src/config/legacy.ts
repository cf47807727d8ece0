/**
 * The reference's legacy global params dict (`ptycho/params.py`) and the one-way bridge from the
 * dataclass configs into it (`dataclass_to_legacy_dict`, `update_legacy_dict`; specs/config.md §2).
 * We keep it because archives written by the reference carry this dict (params.dill) and because
 * derived sizes (bigN, padded size) are defined on it.
 */
import { PtychoError } from '../errors.ts';
import { ALL_ROWS } from './fieldTable.ts';
import type { InferenceConfig, ModelConfig, TrainingConfig } from './schema.ts';

export type LegacyValue = number | string | boolean | null;
export type LegacyDict = Record<string, LegacyValue>;

/** `params.cfg` defaults, exactly as in the reference (note: differ from the dataclass defaults). */
export const DEFAULT_CFG: Readonly<LegacyDict> = Object.freeze({
  N: 128,
  offset: 4,
  gridsize: 2,
  outer_offset_train: null,
  outer_offset_test: null,
  batch_size: 16,
  nepochs: 60,
  n_filters_scale: 2,
  output_prefix: 'outputs',
  big_gridsize: 10,
  max_position_jitter: 10,
  sim_jitter_scale: 0,
  default_probe_scale: 0.7,
  mae_weight: 0,
  nll_weight: 1,
  tv_weight: 0,
  realspace_mae_weight: 0,
  realspace_weight: 0,
  nphotons: 1e9,
  nimgs_train: 9,
  nimgs_test: 3,
  data_source: 'generic',
  'probe.trainable': false,
  'intensity_scale.trainable': false,
  'positions.provided': false,
  'object.big': true,
  'probe.big': false,
  probe_scale: 10,
  set_phi: false,
  'probe.mask': true,
  pad_object: true,
  model_type: 'pinn',
  label: '',
  size: 392,
  amp_activation: 'sigmoid',
  h5_path: 'wts.h5',
  npseed: 42,
  debug: true,
  gaussian_smoothing_sigma: 0.0,
  use_xla_translate: true,
});

/** Dataclass field name → legacy key: the `legacy` spellings of the config field table (src/config/fieldTable.ts). */
export const KEY_MAPPINGS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(ALL_ROWS.flatMap((r) => (r.legacy ? [[r.name, r.legacy]] : []))),
);

/** Legacy `data_source` values accepted by `params.validate()`. */
export const DATA_SOURCES = [
  'lines',
  'grf',
  'experimental',
  'points',
  'testimg',
  'diagonals',
  'xpp',
  'V',
  'generic',
] as const;

type AnyConfig = TrainingConfig | InferenceConfig | ModelConfig;

/** A fresh, mutable copy of DEFAULT_CFG (the reference's module-level `params.cfg` at import). */
export function newLegacyDict(): LegacyDict {
  return { ...DEFAULT_CFG };
}

/**
 * `dataclass_to_legacy_dict`: flatten the nested `model` into the top level, rename keys by
 * KEY_MAPPINGS, keep None as null. Paths are already strings in our configs.
 */
export function dataclassToLegacyDict(cfg: AnyConfig): LegacyDict {
  const flat: Record<string, unknown> = { ...cfg };
  if ('model' in cfg && cfg.model && typeof cfg.model === 'object') {
    delete flat.model;
    Object.assign(flat, cfg.model);
  }
  const out: LegacyDict = {};
  for (const [k, v] of Object.entries(flat)) {
    if (v !== null && typeof v === 'object') {
      throw new PtychoError(
        'internal',
        `config field '${k}' is an object, cannot go into the legacy params dict`,
        'flatten it first',
      );
    }
    out[KEY_MAPPINGS[k] ?? k] = v as LegacyValue;
  }
  return out;
}

/**
 * `update_legacy_dict(cfg, obj)`: copy every value that is set; null/undefined values are skipped so the
 * existing entries persist. Mutates and returns `dict`.
 */
export function updateLegacyDict(dict: LegacyDict, cfg: AnyConfig): LegacyDict {
  for (const [k, v] of Object.entries(dataclassToLegacyDict(cfg))) {
    if (v !== null && v !== undefined) dict[k] = v;
  }
  return dict;
}

function numberKey(dict: LegacyDict, key: string): number {
  const v = dict[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new PtychoError(
      'config',
      `legacy params key '${key}' is ${JSON.stringify(v)}, expected a number`,
      `set '${key}' to a number`,
    );
  }
  return v;
}

/** `get_bigN()`: N + (gridsize − 1)·offset — the object canvas of one solution region. */
export function getBigN(dict: LegacyDict): number {
  return numberKey(dict, 'N') + (numberKey(dict, 'gridsize') - 1) * numberKey(dict, 'offset');
}

/** `get_padded_size()`: bigN + max_position_jitter (N=64: gridsize 1 → 74, gridsize 2 → 78). */
export function getPaddedSize(dict: LegacyDict): number {
  return getBigN(dict) + numberKey(dict, 'max_position_jitter');
}

/** `params()`: a copy of the dict with the derived `bigN` added. */
export function legacyParams(dict: LegacyDict): LegacyDict {
  return { ...dict, bigN: getBigN(dict) };
}

/** `params.validate()`: data_source known; realspace_mae_weight > 0 requires realspace_weight > 0. */
export function validateLegacyDict(dict: LegacyDict): void {
  const src = dict.data_source;
  if (!(DATA_SOURCES as readonly LegacyValue[]).includes(src)) {
    throw new PtychoError(
      'config',
      `legacy params key 'data_source' is ${JSON.stringify(src)}`,
      `use one of ${DATA_SOURCES.join(', ')}`,
    );
  }
  const rmae = dict.realspace_mae_weight;
  const rw = dict.realspace_weight;
  if (typeof rmae === 'number' && rmae > 0 && !(typeof rw === 'number' && rw > 0)) {
    throw new PtychoError(
      'config',
      `legacy params: realspace_mae_weight is ${rmae} but realspace_weight is ${JSON.stringify(rw)}`,
      'set realspace_weight > 0 when realspace_mae_weight > 0 (or set realspace_mae_weight to 0)',
    );
  }
}
