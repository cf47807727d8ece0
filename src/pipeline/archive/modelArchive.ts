/**
 * Our native model archive (specs/model_archive.md): a zip holding
 *   manifest.json  {format, models, version, backend: 'webgpu', appVersion, createdAt, datasetSha256, seed}
 *   params.json    the legacy params dict (dataclass_to_legacy_dict of the TrainingConfig) + intensity_scale
 *   config.json    {model, training, inference}: the three canonical configs
 *   diffraction_to_obj/weights.npz   float32 arrays keyed by the reference's state_dict names (OIHW)
 *   history.json   per-epoch training / validation losses and learning rates
 * Plain JSON + NPZ so numpy (and the reference's own tools) can read it without us.
 * Reading refuses early: a JSON member larger than a real one (JSON_MEMBER_CAPS) is refused from the zip directory's
 * declared size, before it is inflated or decoded, and config.json is validated as a TrainingConfig (naming the field)
 * before the weights are read, so a damaged config is reported as such, not as a weight-shape mismatch.
 */
import { strFromU8, strToU8, zipSync } from 'fflate';
import { makeTrainingConfig, validateTrainingConfig } from '../../config/schema';
import { PtychoError } from '../../errors';
import type { NdArray } from '../ndarray';
import { readNpz, writeNpz } from '../npz';
import { readZipDirectory, type ZipEntry } from '../zip';
import { unzipArchive } from './torchBundle';

export const ARCHIVE_FORMAT = 'ptychopinn-web-model';
export const ARCHIVE_VERSION = 1;

export interface ModelArchive {
  manifest: {
    format: string;
    version: number;
    models: string[];
    backend: 'webgpu';
    appVersion: string;
    createdAt: string;
    datasetSha256: string | null;
    seed: number;
  };
  params: Record<string, unknown>;
  config: { model: Record<string, unknown>; training: Record<string, unknown>; inference?: Record<string, unknown> };
  /** state_dict name → (shape, data). */
  weights: Map<string, { shape: number[]; data: Float32Array }>;
  history: { epoch: number; trainLoss: number; valLoss: number | null; learningRate: number }[];
  /**
   * What a PyTorch bundle converted into this archive said (torch_origin.json): its params.dill and
   * torch_scaling_metadata.pt, so converting back keeps the settings the canonical config cannot hold.
   */
  torchOrigin?: TorchOrigin;
}

export interface TorchOrigin {
  params: Record<string, unknown>;
  scalingMetadata: Record<string, unknown> | null;
}

export function writeModelArchive(a: ModelArchive): Uint8Array {
  const arrays: Record<string, NdArray> = {};
  for (const [k, t] of a.weights) arrays[k] = { dtype: 'f32', shape: t.shape, data: t.data };
  const files: Record<string, Uint8Array> = {
    'manifest.json': strToU8(JSON.stringify(a.manifest, null, 1)),
    'params.json': strToU8(JSON.stringify(a.params, null, 1)),
    'config.json': strToU8(JSON.stringify(a.config, null, 1)),
    'diffraction_to_obj/weights.npz': writeNpz(arrays, { compress: false }),
    'history.json': strToU8(JSON.stringify(a.history)),
  };
  if (a.torchOrigin) files['torch_origin.json'] = strToU8(JSON.stringify(a.torchOrigin, null, 1));
  return zipSync(files, { level: 6 });
}

/**
 * Largest JSON members accepted, bytes. What this app writes: manifest.json ~300 B, params.json and config.json
 * ~3 KB, history.json ~100 B per epoch. 1 MiB is ~300× a real manifest/params/config; 8 MiB of history is ~80 000
 * epochs.
 */
export const JSON_MEMBER_CAPS: Readonly<Record<string, number>> = {
  'manifest.json': 2 ** 20,
  'params.json': 2 ** 20,
  'config.json': 2 ** 20,
  'history.json': 8 * 2 ** 20,
  // a bundle's params.dill and torch_scaling_metadata.pt as JSON: ~10 KB
  'torch_origin.json': 2 ** 20,
};

/** A JSON member over its cap, refused by its declared (or actual) size before anything is inflated or decoded. */
function checkJsonSize(source: string, name: string, size: number): void {
  const cap = Object.prototype.hasOwnProperty.call(JSON_MEMBER_CAPS, name) ? JSON_MEMBER_CAPS[name] : undefined;
  if (cap !== undefined && size > cap)
    throw new PtychoError(
      'model-archive',
      `${source}: ${name} is ${size} bytes, more than the ${cap}-byte cap (this app writes a few KB)`,
      'the archive is damaged or was not exported by this app',
    );
}

/** The zip directory's declared sizes of the JSON members, checked before unzipping (a bad directory: unzipArchive says why). */
function checkDeclaredJsonSizes(bytes: Uint8Array, source: string): void {
  let entries: ZipEntry[];
  try {
    entries = readZipDirectory(bytes, source);
  } catch {
    return;
  }
  for (const e of entries) checkJsonSize(source, e.name, e.usize);
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: Json): v is string => typeof v === 'string';
const isNumber = (v: Json): v is number => typeof v === 'number' && Number.isFinite(v);
const isNumberOrNull = (v: Json): v is number | null => v === null || typeof v === 'number';
const isStringOrNull = (v: Json): v is string | null => v === null || typeof v === 'string';
const isStrings = (v: Json): v is string[] => Array.isArray(v) && v.every(isString);
const isObj = (v: Json): v is Record<string, Json> => isObject(v);

/** The archive's members, with refusals that name the archive, the member and the key. */
class Members {
  constructor(
    readonly files: Record<string, Uint8Array>,
    readonly source: string,
  ) {}

  bad(name: string, msg: string): never {
    throw new PtychoError(
      'model-archive',
      `${this.source}: ${name}: ${msg}`,
      'the archive is damaged or was not exported by this app',
    );
  }

  json(name: string): Json {
    const f = this.files[name];
    if (!f)
      throw new PtychoError('model-archive', `${this.source}: member ${name} is missing`, 'the archive is incomplete');
    checkJsonSize(this.source, name, f.length);
    try {
      return JSON.parse(strFromU8(f));
    } catch (e) {
      throw new PtychoError(
        'model-archive',
        `${this.source}: ${name} is not valid JSON (${(e as Error).message})`,
        'the archive is damaged',
      );
    }
  }

  /** A JSON object, or a refusal naming the member (and key path). */
  object(name: string, v: Json): Record<string, Json> {
    return isObject(v) ? v : this.bad(name, `expected a JSON object, found ${describe(v)}`);
  }

  field<T>(name: string, o: Record<string, Json>, key: string, ok: (v: Json) => v is T, what: string): T {
    const v = Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
    return ok(v) ? v : this.bad(name, `key "${key}" must be ${what}, found ${describe(v)}`);
  }
}

/** manifest.json: this format, a version this app reads, and every field of the right type. */
function readManifest(r: Members): ModelArchive['manifest'] {
  const m = r.object('manifest.json', r.json('manifest.json'));
  if (m.format !== ARCHIVE_FORMAT) {
    throw new PtychoError(
      'model-archive',
      `${r.source}: manifest format is ${JSON.stringify(m.format ?? null)}, expected ${ARCHIVE_FORMAT}`,
      'this is not a PtychoPINN Web model archive',
    );
  }
  const version = r.field('manifest.json', m, 'version', isNumber, 'a number');
  if (version > ARCHIVE_VERSION) {
    throw new PtychoError(
      'model-archive',
      `${r.source}: archive version ${version} is newer than this app supports (${ARCHIVE_VERSION})`,
      'update the app',
    );
  }
  return {
    format: ARCHIVE_FORMAT,
    version,
    models: r.field('manifest.json', m, 'models', isStrings, 'a list of strings'),
    backend: r.field('manifest.json', m, 'backend', (v): v is 'webgpu' => v === 'webgpu', '"webgpu"'),
    appVersion: r.field('manifest.json', m, 'appVersion', isString, 'a string'),
    createdAt: r.field('manifest.json', m, 'createdAt', isString, 'a string'),
    datasetSha256: r.field('manifest.json', m, 'datasetSha256', isStringOrNull, 'a string or null'),
    seed: r.field('manifest.json', m, 'seed', isNumber, 'a number'),
  };
}

/** diffraction_to_obj/weights.npz: float32 arrays only. */
function readWeights(r: Members): ModelArchive['weights'] {
  const npz = r.files['diffraction_to_obj/weights.npz'];
  if (!npz)
    throw new PtychoError(
      'model-archive',
      `${r.source}: diffraction_to_obj/weights.npz is missing`,
      'the archive is incomplete',
    );
  const arrays = readNpz(npz, { fileName: `${r.source}:diffraction_to_obj/weights.npz` });
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [k, v] of Object.entries(arrays)) {
    if (v.dtype !== 'f32')
      throw new PtychoError(
        'model-archive',
        `${r.source}: weight ${k} has dtype ${v.dtype}`,
        'weights must be float32',
      );
    weights.set(k, { shape: v.shape, data: v.data as Float32Array });
  }
  return weights;
}

/** config.json: model and training objects, inference when present. */
function readConfig(r: Members): ModelArchive['config'] {
  const c = r.object('config.json', r.json('config.json'));
  const config: ModelArchive['config'] = {
    model: r.field('config.json', c, 'model', isObj, 'an object'),
    training: r.field('config.json', c, 'training', isObj, 'an object'),
  };
  if (c.inference !== undefined && c.inference !== null)
    config.inference = r.field('config.json', c, 'inference', isObj, 'an object');
  validateArchiveConfig(r, config);
  return config;
}

/**
 * The stored config is a valid TrainingConfig (the checks of a config file: src/config/schema.ts), refused with
 * the archive, the member, the field (e.g. model.gridsize) and the value seen, and the allowed values as the hint.
 */
function validateArchiveConfig(r: Members, config: ModelArchive['config']): void {
  try {
    validateTrainingConfig(makeTrainingConfig({ ...config.training, model: config.model } as never));
  } catch (e) {
    if (!(e instanceof PtychoError) || e.code !== 'config') throw e;
    throw new PtychoError(
      'model-archive',
      `${r.source}: config.json: ${e.message}`,
      `${e.hint}; the archive's config is damaged or was not written by this app`,
      { field: e.field },
    );
  }
}

/** history.json (optional): one record per epoch; NaN losses were written as null. */
function readHistory(r: Members): ModelArchive['history'] {
  const history: ModelArchive['history'] = [];
  if (!r.files['history.json']) return history;
  const h = r.json('history.json');
  if (!Array.isArray(h)) r.bad('history.json', `expected a JSON list, found ${describe(h)}`);
  (h as Json[]).forEach((e, i) => {
    const name = `history.json[${i}]`;
    const o = r.object(name, e);
    history.push({
      epoch: r.field(name, o, 'epoch', isNumber, 'a number'),
      // NaN losses are written as null by JSON.stringify.
      trainLoss: r.field(name, o, 'trainLoss', isNumberOrNull, 'a number') ?? NaN,
      valLoss: o.valLoss === undefined ? null : r.field(name, o, 'valLoss', isNumberOrNull, 'a number or null'),
      learningRate: r.field(name, o, 'learningRate', isNumberOrNull, 'a number') ?? NaN,
    });
  });
  return history;
}

/** torch_origin.json (optional): {params: object, scalingMetadata: object or null}. */
function readTorchOrigin(r: Members): TorchOrigin | undefined {
  if (!r.files['torch_origin.json']) return undefined;
  const o = r.object('torch_origin.json', r.json('torch_origin.json'));
  return {
    params: r.field('torch_origin.json', o, 'params', isObj, 'an object'),
    scalingMetadata:
      o.scalingMetadata === null
        ? null
        : r.field('torch_origin.json', o, 'scalingMetadata', isObj, 'an object or null'),
  };
}

export function readModelArchive(bytes: Uint8Array, source = 'model.zip'): ModelArchive {
  const hint = 'choose a model .zip exported by this app or a PtychoPINN wts.h5.zip';
  checkDeclaredJsonSizes(bytes, source);
  const files = unzipArchive(bytes, source, 'not a zip archive', hint);
  const r = new Members(files, source);
  const manifest = readManifest(r);
  // The config before the weights: a weight-shape refusal must not hide a damaged config.
  const config = readConfig(r);
  const weights = readWeights(r);
  const params = r.object('params.json', r.json('params.json'));
  const history = readHistory(r);
  const torchOrigin = readTorchOrigin(r);
  return { manifest, params, config, weights, history, ...(torchOrigin ? { torchOrigin } : {}) };
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return `a ${typeof v}`;
}

/** Hex SHA-256 of a dataset's bytes (WebCrypto in browsers and Node ≥ 20). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}
