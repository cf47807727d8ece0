import { unzipSync } from 'fflate';
import { PtychoError } from '../../errors';
import { halfToFloat } from '../npz';
import { PickleGlobal, unpickle } from './pickle';

/**
 * Reader for the PyTorch backend's persisted model, `wts.h5.zip` (digest §6, golden README §7):
 *   manifest.dill, diffraction_to_obj/{model.pth, params.dill}, autoencoder/…, torch_scaling_metadata.pt.
 * `model.pth` is a torch.save zip: `<prefix>/data.pkl` (an OrderedDict of `_rebuild_tensor_v2` records whose
 * storages are persistent ids) + `<prefix>/data/<key>` raw little-endian storages. We locate `<prefix>/data.pkl`
 * instead of assuming a prefix (torch 1.13 writes the file stem, 2.x may write `archive/`).
 */
export interface StateTensor {
  shape: number[];
  data: Float32Array;
}

export type StateDict = Map<string, StateTensor>;

export interface TorchBundle {
  manifest: Record<string, unknown>;
  /** state_dict of `diffraction_to_obj` (keys as the reference's, e.g. model.autoencoder.encoder.blocks.0.conv1.weight). */
  stateDict: StateDict;
  /** The legacy params dict saved beside the weights (incl. intensity_scale). */
  params: Record<string, unknown>;
  /** torch_scaling_metadata.pt, when present and readable (configs as plain objects). */
  scalingMetadata?: Record<string, unknown>;
}

const STORAGE_DTYPES: Record<string, { bytes: number; read: (dv: DataView, o: number) => number }> = {
  'torch.FloatStorage': { bytes: 4, read: (dv, o) => dv.getFloat32(o, true) },
  'torch.DoubleStorage': { bytes: 8, read: (dv, o) => dv.getFloat64(o, true) },
  'torch.HalfStorage': { bytes: 2, read: (dv, o) => halfToFloat(dv.getUint16(o, true)) },
  'torch.IntStorage': { bytes: 4, read: (dv, o) => dv.getInt32(o, true) },
  'torch.LongStorage': { bytes: 8, read: (dv, o) => Number(dv.getBigInt64(o, true)) },
};

function toPlain(v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), toPlain(x)]));
  if (Array.isArray(v)) return v.map(toPlain);
  if (v instanceof PickleGlobal) return v.qualified;
  return v;
}

/** Read a `torch.save(state_dict)` zip into named float32 tensors. */
export function readTorchStateDict(bytes: Uint8Array, source: string): StateDict {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new PtychoError('model-archive', `${source}: not a torch.save zip (${(e as Error).message})`, 'pass the model.pth inside wts.h5.zip, or the whole wts.h5.zip');
  }
  const pkl = Object.keys(files).find((n) => n.endsWith('/data.pkl') || n === 'data.pkl');
  if (!pkl) throw new PtychoError('model-archive', `${source}: no data.pkl inside (members: ${Object.keys(files).slice(0, 8).join(', ')})`, 'this is not a torch.save archive');
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const storages = new Map<string, { dtype: string; numel: number }>();
  const result = unpickle(files[pkl], {
    source: `${source}:${pkl}`,
    allowedGlobals: ['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', ...Object.keys(STORAGE_DTYPES)],
    persistentLoad(pid) {
      const t = pid as unknown[];
      if (!Array.isArray(t) || t[0] !== 'storage') throw new PtychoError('model-archive', `${source}: unexpected persistent id ${JSON.stringify(toPlain(pid))}`, '');
      const dtype = (t[1] as PickleGlobal).qualified;
      const key = String(t[2]);
      storages.set(key, { dtype, numel: Number(t[4]) });
      return { storageKey: key, dtype };
    },
    reducers: {
      'collections.OrderedDict': () => new Map(),
      'torch._utils._rebuild_tensor_v2': (storage, offset, size, stride) => {
        const st = storage as { storageKey: string; dtype: string };
        const dt = STORAGE_DTYPES[st.dtype];
        if (!dt) throw new PtychoError('model-archive', `${source}: tensor storage type ${st.dtype} is not supported`, 'save float32 weights');
        const raw = files[`${prefix}data/${st.storageKey}`];
        if (!raw) throw new PtychoError('model-archive', `${source}: storage ${st.storageKey} missing`, 'the archive is incomplete');
        const shape = (size as number[]).map(Number);
        const strides = (stride as number[]).map(Number);
        const n = shape.reduce((a, b) => a * b, 1);
        const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        const data = new Float32Array(n);
        const idx = new Array(shape.length).fill(0);
        for (let i = 0; i < n; i++) {
          let off = Number(offset);
          for (let d = 0; d < shape.length; d++) off += idx[d] * strides[d];
          if ((off + 1) * dt.bytes > raw.byteLength) throw new PtychoError('model-archive', `${source}: tensor reads past its storage ${st.storageKey}`, 'the archive is damaged');
          data[i] = dt.read(dv, off * dt.bytes);
          for (let d = shape.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) break;
            idx[d] = 0;
          }
        }
        return { shape, data } satisfies StateTensor;
      },
    },
  });
  if (!(result instanceof Map)) throw new PtychoError('model-archive', `${source}: data.pkl is not a state_dict`, '');
  const out: StateDict = new Map();
  for (const [k, v] of result) {
    const t = v as StateTensor;
    if (!t || !(t.data instanceof Float32Array)) throw new PtychoError('model-archive', `${source}: entry ${String(k)} is not a tensor`, '');
    out.set(String(k), t);
  }
  return out;
}

/** Read a plain pickle/dill dict (manifest.dill, params.dill): only primitive values are accepted. */
export function readPickledDict(bytes: Uint8Array, source: string): Record<string, unknown> {
  const v = unpickle(bytes, { source, allowedGlobals: [] });
  if (!(v instanceof Map)) throw new PtychoError('model-archive', `${source}: expected a dict`, '');
  return toPlain(v) as Record<string, unknown>;
}

/** Read a whole `wts.h5.zip` as written by ptycho_torch.model_manager.save_torch_bundle. */
export function readTorchBundle(bytes: Uint8Array, source = 'wts.h5.zip'): TorchBundle {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new PtychoError('model-archive', `${source}: not a zip archive (${(e as Error).message})`, 'choose the wts.h5.zip written by PtychoPINN, or a model .zip exported by this app');
  }
  const need = (name: string) => {
    const f = files[name];
    if (!f) throw new PtychoError('model-archive', `${source}: member ${name} is missing (has: ${Object.keys(files).join(', ')})`, 'the archive is incomplete or not a PtychoPINN PyTorch bundle');
    return f;
  };
  const manifest = readPickledDict(need('manifest.dill'), `${source}:manifest.dill`);
  const stateDict = readTorchStateDict(need('diffraction_to_obj/model.pth'), `${source}:diffraction_to_obj/model.pth`);
  const params = readPickledDict(need('diffraction_to_obj/params.dill'), `${source}:diffraction_to_obj/params.dill`);
  let scalingMetadata: Record<string, unknown> | undefined;
  const meta = files['torch_scaling_metadata.pt'];
  if (meta) {
    const inner = unzipSync(meta);
    const pkl = Object.keys(inner).find((n) => n.endsWith('data.pkl'));
    if (pkl) scalingMetadata = toPlain(unpickle(inner[pkl], { source: `${source}:torch_scaling_metadata.pt`, allowedGlobals: [] })) as Record<string, unknown>;
  }
  return { manifest, stateDict, params, scalingMetadata };
}
