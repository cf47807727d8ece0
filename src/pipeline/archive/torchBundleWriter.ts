import { strToU8, zipSync, type Zippable } from 'fflate';
import { TORCH_FLOAT_FIELDS, TORCH_TUPLE_FIELDS } from '../../config/torchBundle';
import { pickle, PyFloat, PyOrderedDict, PyTensor, PyTuple, type PyValue } from './pickleWriter';
import type { StateDict, StateDictMetadata } from './torchBundle';

/**
 * Writer for the PyTorch reference's model bundle `wts.h5.zip` (the inverse of `readTorchBundle`), with the member
 * names and order ptycho_torch.model_manager.save_torch_bundle writes:
 *   manifest.dill, diffraction_to_obj/model.pth, diffraction_to_obj/params.dill, autoencoder/model.pth (sentinel),
 *   autoencoder/params.dill, torch_scaling_metadata.pt.
 * `model.pth` / `torch_scaling_metadata.pt` are torch.save zips (`<stem>/data.pkl`, `<stem>/data/<key>`,
 * `<stem>/version` = "3\n", members stored). The state_dict pickle carries torch's `_metadata` attribute (BUILD after
 * the OrderedDict): kept from the source bundle when given, else derived from the parameter names (every module
 * prefix of every key, in first-seen order, `{'version': 1}`) — torch's load_state_dict reads it per module and
 * uses `{}` for modules it does not list (parameterless ones such as activations). With the source's metadata the
 * pickle is byte-identical to torch's. Pickles are protocol 2; JS numbers with integral values are written as
 * Python ints, except fields in TORCH_FLOAT_FIELDS (Python floats in the reference); arrays under
 * TORCH_TUPLE_FIELDS are written as tuples (wrap in `PyFloat` / `PyTuple` to force either elsewhere).
 */
export interface TorchBundleInput {
  stateDict: StateDict;
  /** The legacy params dict (params.dill); also written as autoencoder/params.dill. */
  params: Record<string, unknown>;
  manifest?: unknown;
  /** torch_scaling_metadata.pt; omitted when undefined. */
  scalingMetadata?: unknown;
  /** The state_dict's `_metadata`; derived from the parameter names when undefined. */
  stateDictMetadata?: StateDictMetadata;
}

/** `_metadata` torch would write for a module tree that has exactly the modules named by the keys' prefixes. */
export function deriveStateDictMetadata(names: Iterable<string>): StateDictMetadata {
  const seen = new Set<string>();
  const out: StateDictMetadata = [];
  for (const name of names) {
    const parts = name.split('.');
    for (let i = 0; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('.');
      if (!seen.has(prefix)) {
        seen.add(prefix);
        out.push([prefix, { version: 1 }]);
      }
    }
  }
  return out;
}

/** Plain value → PyValue with the reference's Python types by field name (floats, tuples); `key` = the dict key it sits under. */
export function typedPy(v: unknown, key = ''): PyValue {
  if (typeof v === 'number') return TORCH_FLOAT_FIELDS.has(key) ? new PyFloat(v) : v;
  if (Array.isArray(v)) {
    const items = v.map((x) => typedPy(x, key));
    return TORCH_TUPLE_FIELDS.has(key) ? new PyTuple(items) : items;
  }
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o: { [k: string]: PyValue } = {};
    for (const [k, x] of Object.entries(v)) o[k] = typedPy(x, k);
    return o;
  }
  return v as PyValue;
}

export const DEFAULT_TORCH_MANIFEST = { models: ['diffraction_to_obj', 'autoencoder'], version: '2.0-pytorch' };

/** A torch.save zip around `pkl` plus raw storages, under `<stem>/`. */
export function torchSaveZip(stem: string, pkl: Uint8Array, storages: [string, Uint8Array][] = []): Uint8Array {
  const files: Zippable = { [`${stem}/data.pkl`]: pkl };
  // torch writes storages in lexicographic key order ('0', '1', '10', …)
  for (const [k, b] of [...storages].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))
    files[`${stem}/data/${k}`] = b;
  files[`${stem}/version`] = strToU8('3\n');
  return zipSync(files, { level: 0 });
}

/**
 * torch.save(state_dict): contiguous tensors, one storage per distinct `data` array, keys '0', '1', … in first-use
 * order. Entries sharing one `data` array are aliases written as one storage (one persistent id), as torch writes a
 * parameter reachable under several names. `complex` tensors (trailing (re, im) axis in `shape`) become
 * ComplexFloatStorage of size `shape` without that axis; shape [] is a 0-d tensor (size ()).
 */
export function writeTorchStateDict(
  stateDict: StateDict,
  stem = 'model',
  metadata: StateDictMetadata = deriveStateDictMetadata(stateDict.keys()),
): Uint8Array {
  const entries: [PyValue, PyValue][] = [];
  const storages: [string, Uint8Array][] = [];
  const keyOf = new Map<Float32Array, { key: string; storageType: string }>();
  for (const [name, t] of stateDict) {
    const fail = (why: string) => {
      throw new Error(`writeTorchStateDict: ${name} has shape (${t.shape.join(', ')}) ${why}`);
    };
    if (t.complex && t.shape.at(-1) !== 2) fail('but is complex without a trailing (re, im) axis of 2');
    const size = t.complex ? t.shape.slice(0, -1) : [...t.shape];
    const parts = t.complex ? 2 : 1;
    const n = size.reduce((a, b) => a * b, 1);
    if (n * parts !== t.data.length) fail(`but ${t.data.length} values`);
    const storageType = t.complex ? 'ComplexFloatStorage' : 'FloatStorage';
    let key = keyOf.get(t.data)?.key;
    if (key !== undefined && keyOf.get(t.data)!.storageType !== storageType)
      fail('sharing its values with a tensor of another storage type');
    if (key === undefined) {
      key = String(keyOf.size);
      keyOf.set(t.data, { key, storageType });
      const bytes = new Uint8Array(t.data.length * 4);
      const dv = new DataView(bytes.buffer);
      for (let j = 0; j < t.data.length; j++) dv.setFloat32(j * 4, t.data[j], true);
      storages.push([key, bytes]);
    }
    entries.push([name, new PyTensor(key, storageType, t.data.length / parts, size)]);
  }
  const md = new PyOrderedDict(metadata.map(([prefix, m]) => [prefix, typedPy(m)]));
  return torchSaveZip(stem, pickle(new PyOrderedDict(entries, { _metadata: md })), storages);
}

export function writeTorchBundle(b: TorchBundleInput): Uint8Array {
  const params = pickle(typedPy(b.params));
  const files: Zippable = {
    'manifest.dill': pickle((b.manifest ?? DEFAULT_TORCH_MANIFEST) as PyValue),
    'diffraction_to_obj/model.pth': writeTorchStateDict(
      b.stateDict,
      'model',
      b.stateDictMetadata ?? deriveStateDictMetadata(b.stateDict.keys()),
    ),
    'diffraction_to_obj/params.dill': params,
    'autoencoder/model.pth': torchSaveZip('model', pickle({ _sentinel: 'autoencoder' })),
    'autoencoder/params.dill': params,
  };
  if (b.scalingMetadata !== undefined)
    files['torch_scaling_metadata.pt'] = torchSaveZip('archive', pickle(typedPy(b.scalingMetadata)));
  return zipSync(files, { level: 6 });
}
