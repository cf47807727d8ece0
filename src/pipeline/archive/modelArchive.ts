import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { PtychoError } from '../../errors';
import type { NdArray } from '../ndarray';
import { readNpz, writeNpz } from '../npz';

/**
 * Our native model archive (specs/model_archive.md): a zip holding
 *   manifest.json  {format, models, version, backend: 'webgpu', appVersion, createdAt, datasetSha256, seed}
 *   params.json    the legacy params dict (dataclass_to_legacy_dict of the TrainingConfig) + intensity_scale
 *   config.json    {model, training, inference}: the three canonical configs
 *   diffraction_to_obj/weights.npz   float32 arrays keyed by the reference's state_dict names (OIHW)
 *   history.json   per-epoch training / validation losses and learning rates
 * Plain JSON + NPZ so numpy (and the reference's own tools) can read it without us.
 */
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
  return zipSync(files, { level: 6 });
}

export function readModelArchive(bytes: Uint8Array, source = 'model.zip'): ModelArchive {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new PtychoError('model-archive', `${source}: not a zip archive (${(e as Error).message})`, 'choose a model .zip exported by this app or a PtychoPINN wts.h5.zip');
  }
  const json = (name: string) => {
    const f = files[name];
    if (!f) throw new PtychoError('model-archive', `${source}: member ${name} is missing`, 'the archive is incomplete');
    try {
      return JSON.parse(strFromU8(f));
    } catch (e) {
      throw new PtychoError('model-archive', `${source}: ${name} is not valid JSON (${(e as Error).message})`, 'the archive is damaged');
    }
  };
  const manifest = json('manifest.json');
  if (manifest.format !== ARCHIVE_FORMAT) {
    throw new PtychoError('model-archive', `${source}: manifest format is ${JSON.stringify(manifest.format)}, expected ${ARCHIVE_FORMAT}`, 'this is not a PtychoPINN Web model archive');
  }
  if (manifest.version > ARCHIVE_VERSION) {
    throw new PtychoError('model-archive', `${source}: archive version ${manifest.version} is newer than this app supports (${ARCHIVE_VERSION})`, 'update the app');
  }
  const npz = files['diffraction_to_obj/weights.npz'];
  if (!npz) throw new PtychoError('model-archive', `${source}: diffraction_to_obj/weights.npz is missing`, 'the archive is incomplete');
  const arrays = readNpz(npz, { fileName: `${source}:diffraction_to_obj/weights.npz` });
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [k, v] of Object.entries(arrays)) {
    if (v.dtype !== 'f32') throw new PtychoError('model-archive', `${source}: weight ${k} has dtype ${v.dtype}`, 'weights must be float32');
    weights.set(k, { shape: v.shape, data: v.data as Float32Array });
  }
  return { manifest, params: json('params.json'), config: json('config.json'), weights, history: files['history.json'] ? json('history.json') : [] };
}

/** Hex SHA-256 of a dataset's bytes (WebCrypto in browsers and Node ≥ 20). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}
