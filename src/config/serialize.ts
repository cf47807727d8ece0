/**
 * Config files and URL hashes (specs/config.md §4).
 * Accepted: the canonical shape (a TrainingConfig with its ModelConfig nested under `model`, as
 * `dataclasses.asdict` gives) and the flat PyTorch spellings (`grid_size`, `epochs`, `K`, `nll`, `mode`,
 * `C`, model fields at top level, `silu`), converted through the torch bridge's field maps.
 * Missing fields take the defaults; unknown keys are refused with the valid names listed.
 */
import { PtychoError } from '../errors.ts';
import {
  MODEL_DEFAULTS,
  MODEL_FIELDS,
  TRAINING_DEFAULTS,
  TRAINING_FIELDS,
  makeTrainingConfig,
  validateTrainingConfig,
  type ModelConfig,
  type TrainingConfig,
} from './schema.ts';
import type { FieldRow } from './fieldRow.ts';
import { ALL_ROWS, MODEL_TABLE, TRAINING_TABLE } from './fieldTable.ts';
import { activationToCanonical, gridSizeToGridsize, modeToModelType } from './torchConfigs.ts';

/**
 * Flat PyTorch spellings accepted at the top level, and the canonical field each one sets: the torch spellings of
 * the config field table that differ from the field name (grid_size, mode, epochs, nll, K), plus C = gridsize².
 */
export const TORCH_ALIASES: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries([...renamed(MODEL_TABLE, 'model.'), ['C', 'model.gridsize'], ...renamed(TRAINING_TABLE, '')]),
);

function renamed(table: readonly FieldRow[], prefix: string): [string, string][] {
  return table.flatMap((r) =>
    (r.torch ?? [])
      .map((p) => p.slice(p.indexOf('.') + 1))
      .filter((n) => n !== r.name)
      .map((n): [string, string] => [n, prefix + r.name]),
  );
}

const MODEL_KEYS = new Set<string>(MODEL_FIELDS);
const TRAINING_KEYS = new Set<string>(TRAINING_FIELDS);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownKeyError(source: string, where: string, keys: string[], valid: string[]): PtychoError {
  return new PtychoError(
    'config',
    `${source}: unknown config key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `'${where}${k}'`).join(', ')}`,
    `valid keys${where ? ` under '${where.slice(0, -1)}'` : ''}: ${valid.join(', ')}`,
  );
}

/** Set a canonical value, refusing two spellings that disagree (e.g. `epochs: 5` with `nepochs: 7`). */
function put(
  target: Record<string, unknown>,
  key: string,
  value: unknown,
  path: string,
  from: string,
  source: string,
): void {
  if (key in target && target[key] !== value) {
    throw new PtychoError(
      'config',
      `${source}: '${path}' is given twice with different values (${JSON.stringify(target[key])} and ${JSON.stringify(value)} from '${from}')`,
      `keep only one spelling of '${path}'`,
    );
  }
  target[key] = value;
}

function gridsizeFromC(C: unknown, source: string): number {
  const g = Math.round(Math.sqrt(typeof C === 'number' ? C : NaN));
  if (!Number.isInteger(C) || (C as number) < 1 || g * g !== C) {
    throw new PtychoError(
      'config',
      `${source}: config field 'C' is ${JSON.stringify(C)}, not a square number`,
      'C = gridsize² (1, 4, 9, …); or give gridsize instead',
    );
  }
  return g;
}

export interface ParsedConfig {
  config: TrainingConfig;
  /** Canonical paths the input gave explicitly (e.g. 'model.N', 'nepochs'): for `withProbeSize(…, {explicitN})`. */
  given: string[];
}

/** The config object of a JSON text (or an already-parsed value): a plain object, else PtychoError('config'). */
function readObject(input: string | unknown, source: string): Record<string, unknown> {
  let obj: unknown = input;
  if (typeof input === 'string') {
    try {
      obj = JSON.parse(input);
    } catch (e) {
      throw new PtychoError(
        'config',
        `${source}: not valid JSON (${(e as Error).message})`,
        'fix the JSON syntax (a config file is one JSON object)',
      );
    }
  }
  if (!isPlainObject(obj)) {
    throw new PtychoError(
      'config',
      `${source}: a config must be a JSON object, got ${Array.isArray(obj) ? 'an array' : JSON.stringify(obj)}`,
      'write {"model": {...}, "batch_size": 16, ...}',
    );
  }
  return obj;
}

/** Parse and validate a config; reports which canonical fields were given. */
export function parseTrainingConfigJsonWithInfo(input: string | unknown, source = 'config'): ParsedConfig {
  const obj = readObject(input, source);
  const model: Record<string, unknown> = {};
  const top: Record<string, unknown> = {};

  if ('model' in obj && obj.model !== null && obj.model !== undefined) {
    if (!isPlainObject(obj.model)) {
      throw new PtychoError(
        'config',
        `${source}: 'model' must be an object, got ${JSON.stringify(obj.model)}`,
        'nest the model fields: "model": {"N": 64, "gridsize": 1}',
      );
    }
    const unknown = Object.keys(obj.model).filter((k) => !MODEL_KEYS.has(k));
    if (unknown.length) throw unknownKeyError(source, 'model.', unknown, MODEL_FIELDS);
    for (const [k, v] of Object.entries(obj.model)) put(model, k, v, `model.${k}`, `model.${k}`, source);
  }

  const unknownTop: string[] = [];
  // Canonical top-level fields first, then the flat torch spellings, so conflicts are detected either way.
  const entries = Object.entries(obj).filter(([k]) => k !== 'model');
  for (const [k, v] of entries) {
    if (TRAINING_KEYS.has(k)) put(top, k, v, k, k, source);
  }
  for (const [k, v] of entries) {
    if (TRAINING_KEYS.has(k)) continue;
    if (k === 'grid_size') put(model, 'gridsize', gridSizeToGridsize(v), 'model.gridsize', k, source);
    else if (k === 'C') put(model, 'gridsize', gridsizeFromC(v, source), 'model.gridsize', k, source);
    else if (k === 'mode') put(model, 'model_type', modeToModelType(v), 'model.model_type', k, source);
    else if (k === 'epochs') put(top, 'nepochs', v, 'nepochs', k, source);
    else if (k === 'K') put(top, 'neighbor_count', v, 'neighbor_count', k, source);
    else if (k === 'nll') {
      if (typeof v !== 'boolean')
        throw new PtychoError(
          'config',
          `${source}: config field 'nll' is ${JSON.stringify(v)}`,
          'nll is true or false (→ nll_weight 1 or 0)',
        );
      put(top, 'nll_weight', v ? 1.0 : 0.0, 'nll_weight', k, source);
    } else if (MODEL_KEYS.has(k))
      put(model, k, v, `model.${k}`, k, source); // torch configs are flat
    else unknownTop.push(k);
  }
  if (unknownTop.length) {
    throw unknownKeyError(source, '', unknownTop, [
      ...TRAINING_FIELDS,
      ...Object.keys(TORCH_ALIASES),
      `(model fields at top level: ${MODEL_FIELDS.join(', ')})`,
    ]);
  }
  // Torch activation names ('silu', 'SiLU') are aliases of 'swish'.
  if (typeof model.amp_activation === 'string')
    model.amp_activation = activationToCanonical(model.amp_activation, 'model.amp_activation');

  // null means "unset" for fields whose default is not null (the dataclass default applies).
  const dropNullOverDefault = (o: Record<string, unknown>, defaults: Record<string, unknown>) => {
    for (const k of Object.keys(o)) if (o[k] === null && defaults[k] !== null) delete o[k];
  };
  dropNullOverDefault(model, MODEL_DEFAULTS as unknown as Record<string, unknown>);
  dropNullOverDefault(top, TRAINING_DEFAULTS as unknown as Record<string, unknown>);

  const given = [...Object.keys(model).map((k) => `model.${k}`), ...Object.keys(top)];
  const config = makeTrainingConfig({ ...(top as Partial<TrainingConfig>), model: model as Partial<ModelConfig> });
  validateTrainingConfig(config);
  return { config, given };
}

/** Parse a config file (text or already-parsed object) into a validated canonical TrainingConfig. */
export function parseTrainingConfigJson(input: string | unknown, source = 'config'): TrainingConfig {
  return parseTrainingConfigJsonWithInfo(input, source).config;
}

/** Canonical JSON (every field, `model` nested), readable by parseTrainingConfigJson and by the reference. */
export function trainingConfigToJson(cfg: TrainingConfig): string {
  validateTrainingConfig(cfg);
  const { model, ...rest } = cfg;
  // Fixed key order: model first, then the defaults' order.
  const ordered: Record<string, unknown> = {
    model: Object.fromEntries(
      Object.keys(MODEL_DEFAULTS).map((k) => [k, (model as unknown as Record<string, unknown>)[k]]),
    ),
  };
  for (const k of Object.keys(TRAINING_DEFAULTS)) ordered[k] = (rest as Record<string, unknown>)[k];
  return JSON.stringify(ordered, null, 2);
}

// ---------------------------------------------------------------------------------------------
// URL hash (TF Playground style): `#seed=42&nepochs=5&model.N=32` — only fields off their default, plus seed.
// ---------------------------------------------------------------------------------------------

/** Nullable fields whose non-null values are strings (the path rows of the table; others hold numbers). */
const STRING_NULLABLE = new Set(ALL_ROWS.filter((r) => r.kind === 'path' && r.nullable).map((r) => r.name));

function encodeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return encodeURIComponent(v);
  return String(v);
}

export function toUrlHash(cfg: TrainingConfig): string {
  validateTrainingConfig(cfg);
  // Compare with the resolved defaults (n_groups 512), so a default config is just `#seed=42`.
  const base = makeTrainingConfig() as unknown as Record<string, unknown>;
  const baseModel = base.model as Record<string, unknown>;
  const parts: string[] = [`seed=${cfg.seed}`];
  for (const k of Object.keys(MODEL_DEFAULTS)) {
    const v = (cfg.model as unknown as Record<string, unknown>)[k];
    if (v !== baseModel[k]) parts.push(`model.${k}=${encodeValue(v)}`);
  }
  for (const k of Object.keys(TRAINING_DEFAULTS)) {
    if (k === 'seed') continue;
    const v = (cfg as unknown as Record<string, unknown>)[k];
    if (v !== base[k]) parts.push(`${k}=${encodeValue(v)}`);
  }
  return '#' + parts.join('&');
}

function decodeValue(key: string, raw: string, def: unknown, source: string): unknown {
  const fail = (want: string): never => {
    throw new PtychoError('config', `${source}: '${key}=${raw}' is not ${want}`, `write ${key}=<${want}>`);
  };
  if (raw === 'null') return null;
  const field = key.startsWith('model.') ? key.slice(6) : key;
  if (typeof def === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : fail('true or false');
  if (typeof def === 'string' || (def === null && STRING_NULLABLE.has(field))) {
    try {
      return decodeURIComponent(raw);
    } catch {
      return fail('a URL-encoded string');
    }
  }
  const n = Number(raw);
  return raw.trim() === '' || !Number.isFinite(n) ? fail('a number') : n;
}

/** Inverse of toUrlHash: the whole config back, validated; unknown keys refused with the valid list. */
export function fromUrlHash(hash: string, source = 'URL hash'): TrainingConfig {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  const model: Record<string, unknown> = {};
  const top: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const part of body.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0)
      throw new PtychoError('config', `${source}: '${part}' has no '=value'`, 'write key=value pairs joined by &');
    const key = part.slice(0, eq);
    const raw = part.slice(eq + 1);
    if (key.startsWith('model.') && MODEL_KEYS.has(key.slice(6))) {
      const f = key.slice(6);
      model[f] = decodeValue(key, raw, (MODEL_DEFAULTS as unknown as Record<string, unknown>)[f], source);
    } else if (TRAINING_KEYS.has(key) && key !== 'model') {
      top[key] = decodeValue(key, raw, (TRAINING_DEFAULTS as unknown as Record<string, unknown>)[key], source);
    } else unknown.push(key);
  }
  if (unknown.length) {
    throw unknownKeyError(source, '', unknown, [
      ...MODEL_FIELDS.map((k) => `model.${k}`),
      ...TRAINING_FIELDS.filter((k) => k !== 'model'),
    ]);
  }
  return parseTrainingConfigJson({ ...top, model }, source);
}
