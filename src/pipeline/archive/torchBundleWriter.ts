import { strToU8, zipSync, type Zippable } from 'fflate';
import { pickle, PyOrderedDict, PyTensor, type PyValue } from './pickleWriter';
import type { StateDict } from './torchBundle';

/**
 * Writer for the PyTorch reference's model bundle `wts.h5.zip` (the inverse of `readTorchBundle`), with the member
 * names and order ptycho_torch.model_manager.save_torch_bundle writes:
 *   manifest.dill, diffraction_to_obj/model.pth, diffraction_to_obj/params.dill, autoencoder/model.pth (sentinel),
 *   autoencoder/params.dill, torch_scaling_metadata.pt.
 * `model.pth` / `torch_scaling_metadata.pt` are torch.save zips (`<stem>/data.pkl`, `<stem>/data/<key>`,
 * `<stem>/version` = "3\n", members stored). The state_dict pickle is byte-identical to torch's up to the
 * `_metadata` attribute, which is not written (torch's load_state_dict works without it). Pickles are protocol 2;
 * JS numbers with integral values are written as Python ints (wrap in `PyFloat` to force a float).
 */
export interface TorchBundleInput {
  stateDict: StateDict;
  /** The legacy params dict (params.dill); also written as autoencoder/params.dill. */
  params: Record<string, unknown>;
  manifest?: unknown;
  /** torch_scaling_metadata.pt; omitted when undefined. */
  scalingMetadata?: unknown;
}

export const DEFAULT_TORCH_MANIFEST = { models: ['diffraction_to_obj', 'autoencoder'], version: '2.0-pytorch' };

/** A torch.save zip around `pkl` plus raw storages, under `<stem>/`. */
export function torchSaveZip(stem: string, pkl: Uint8Array, storages: [string, Uint8Array][] = []): Uint8Array {
  const files: Zippable = { [`${stem}/data.pkl`]: pkl };
  // torch writes storages in lexicographic key order ('0', '1', '10', …)
  for (const [k, b] of [...storages].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) files[`${stem}/data/${k}`] = b;
  files[`${stem}/version`] = strToU8('3\n');
  return zipSync(files, { level: 0 });
}

/** torch.save(state_dict) of float32 tensors (contiguous, one storage each, keys '0', '1', … in order). */
export function writeTorchStateDict(stateDict: StateDict, stem = 'model'): Uint8Array {
  const entries: [PyValue, PyValue][] = [];
  const storages: [string, Uint8Array][] = [];
  let i = 0;
  for (const [name, t] of stateDict) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new Error(`writeTorchStateDict: ${name} has shape (${t.shape.join(', ')}) but ${t.data.length} values`);
    const key = String(i++);
    const bytes = new Uint8Array(n * 4);
    const dv = new DataView(bytes.buffer);
    for (let j = 0; j < n; j++) dv.setFloat32(j * 4, t.data[j], true);
    storages.push([key, bytes]);
    entries.push([name, new PyTensor(key, 'FloatStorage', n, [...t.shape])]);
  }
  return torchSaveZip(stem, pickle(new PyOrderedDict(entries)), storages);
}

export function writeTorchBundle(b: TorchBundleInput): Uint8Array {
  const params = pickle(b.params as PyValue);
  const files: Zippable = {
    'manifest.dill': pickle((b.manifest ?? DEFAULT_TORCH_MANIFEST) as PyValue),
    'diffraction_to_obj/model.pth': writeTorchStateDict(b.stateDict),
    'diffraction_to_obj/params.dill': params,
    'autoencoder/model.pth': torchSaveZip('model', pickle({ _sentinel: 'autoencoder' })),
    'autoencoder/params.dill': params,
  };
  if (b.scalingMetadata !== undefined) files['torch_scaling_metadata.pt'] = torchSaveZip('archive', pickle(b.scalingMetadata as PyValue));
  return zipSync(files, { level: 6 });
}
