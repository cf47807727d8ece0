/**
 * Model-file mutations for the reader fuzzer: the torch bundle (.h5.zip, with its nested model.pth and pickles) and
 * this app's model archive (.zip of JSON and weights.npz). The formats are described in specs/model_archive.md.
 */
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { torchSaveZip } from '../../pipeline/archive/torchBundleWriter';
import type { NdArray } from '../../pipeline/ndarray';
import { readArrayFile, writeNpz } from '../../pipeline/npz';
import { byteFlips, concat, concatAll, type FuzzRng } from './mutate';
import { pickleEdit, su } from './pickleEdit';
import type { Seeds } from './seeds';
import { membersOf, zipEdit } from './zipEdit';

/** A model.pth whose tensor records point at one storage many times (allocation amplification). */
function amplifiedPth(r: FuzzRng): Uint8Array {
  const big = new Uint8Array(4096 * 4);
  const entries: Uint8Array[] = [];
  const count = r.pick([4, 64, 2000, 20000]);
  const head = concat(
    Uint8Array.from([0x80, 2]),
    strToU8('ccollections\nOrderedDict\n'),
    Uint8Array.from([0x29, 0x52, 0x28]),
  );
  for (let k = 0; k < count; k++) {
    entries.push(
      su(`t${k}`),
      strToU8('ctorch._utils\n_rebuild_tensor_v2\n'),
      Uint8Array.from([0x28, 0x28]),
      su('storage'),
      strToU8('ctorch\nFloatStorage\n'),
      su('0'),
      su('cpu'),
      Uint8Array.from([
        0x4d, 0x00, 0x10, 0x74, 0x51, 0x4b, 0, 0x4d, 0x00, 0x10, 0x85, 0x4b, 1, 0x85, 0x89, 0x29, 0x74, 0x52,
      ]),
    );
  }
  const pkl = concatAll([head, ...entries, Uint8Array.from([0x75, 0x2e])]);
  return torchSaveZip('model', pkl, [['0', big]]);
}

/** torch bundle (.h5.zip) edits: nested pickles, nested zips, storages, members, amplification. */
export function bundleEdit(seeds: Seeds, r: FuzzRng): Uint8Array {
  const outer = unzipSync(seeds.bundle);
  const names = Object.keys(outer);
  const pth = unzipSync(outer['diffraction_to_obj/model.pth']);
  const pthNames = Object.keys(pth);
  const rebuildPth = (files: Record<string, Uint8Array>) => zipSync(files, { level: 0 });
  const put = (name: string, data: Uint8Array | null) => {
    const o: Record<string, Uint8Array> = { ...outer };
    if (data) o[name] = data;
    else delete o[name];
    return zipSync(o, { level: r.chance(0.5) ? 6 : 0 });
  };
  switch (r.int(8)) {
    case 0: {
      // pickle edits of model.pth's data.pkl
      const pkl = pthNames.find((n) => n.endsWith('data.pkl'))!;
      return put('diffraction_to_obj/model.pth', rebuildPth({ ...pth, [pkl]: pickleEdit(pth[pkl], r) }));
    }
    case 1: // pickle edits of manifest.dill / params.dill
      return put(
        r.pick(['manifest.dill', 'diffraction_to_obj/params.dill']),
        pickleEdit(outer[r.pick(['manifest.dill', 'diffraction_to_obj/params.dill'])], r),
      );
    case 2: {
      // torch_scaling_metadata.pt: its pickle, or the nested zip itself
      const meta = unzipSync(outer['torch_scaling_metadata.pt']);
      const pkl = Object.keys(meta).find((n) => n.endsWith('data.pkl'))!;
      return put(
        'torch_scaling_metadata.pt',
        r.chance(0.5)
          ? rebuildPth({ ...meta, [pkl]: pickleEdit(meta[pkl], r) })
          : zipEdit(membersOf(outer['torch_scaling_metadata.pt']), r),
      );
    }
    case 3: // zip edits of the nested model.pth
      return put('diffraction_to_obj/model.pth', zipEdit(membersOf(outer['diffraction_to_obj/model.pth']), r));
    case 4: {
      // storages: truncated, dropped, emptied, swapped
      const st = pthNames.filter((n) => n.includes('/data/'));
      const s = r.pick(st);
      const files = { ...pth };
      const how = r.int(3);
      if (how === 0) files[s] = files[s].subarray(0, r.int(files[s].length));
      else if (how === 1) delete files[s];
      else files[s] = new Uint8Array(0);
      return put('diffraction_to_obj/model.pth', rebuildPth(files));
    }
    case 5: // members missing or replaced by other members / garbage / the bundle itself
      return put(
        r.pick(names),
        r.pick([null, new Uint8Array(0), outer[r.pick(names)], seeds.bundle, byteFlips(outer[r.pick(names)], r)]),
      );
    case 6: // a tensor record pointing at one storage many times (allocation amplification)
      return put('diffraction_to_obj/model.pth', amplifiedPth(r));
    default: // structural edits of the outer zip
      return zipEdit(membersOf(seeds.bundle), r);
  }
}

const JSON_VALUES: unknown[] = [null, [], {}, 'x', 0, -1, 1e308, true, [1, 2], { format: 'ptychopinn-web-model' }];

/** config.json with a section, or one model field, replaced by a value of the wrong type or range. */
function configEdit(c: Record<string, unknown>, r: FuzzRng): unknown {
  return r.chance(0.5)
    ? { ...c, [r.pick(['model', 'training', 'inference'])]: r.pick(JSON_VALUES) }
    : {
        ...c,
        model: {
          ...(c.model as object),
          [r.pick(['N', 'gridsize', 'n_filters_scale', 'object_big', 'probe_big', 'architecture'])]: r.pick([
            ...JSON_VALUES,
            17,
            128,
            3,
            0.3,
          ]),
        },
      };
}

/** One weight flattened, reshaped, transposed, truncated, missing, or of another dtype. */
function reshapeWeight(w: Record<string, NdArray>, r: FuzzRng): void {
  const k = r.pick(Object.keys(w));
  const v = w[k];
  const n = v.data.length;
  const how = r.int(5);
  if (how === 0) w[k] = { ...v, shape: [n] };
  else if (how === 1) w[k] = { ...v, shape: [...v.shape].reverse() };
  else if (how === 2) w[k] = { ...v, shape: [n - 1 || 1], data: (v.data as Float32Array).slice(0, n - 1 || 1) };
  else if (how === 3) delete w[k];
  else w[k] = { dtype: 'f64', shape: v.shape, data: Float64Array.from(v.data as Float32Array) };
}

/** Model-archive (.zip) edits: JSON members of the wrong shape, non-finite or misshapen weights, zip edits. */
export function archiveEdit(seeds: Seeds, r: FuzzRng): Uint8Array {
  const files = unzipSync(seeds.archive);
  const put = (name: string, data: Uint8Array | null) => {
    const o: Record<string, Uint8Array> = { ...files };
    if (data) o[name] = data;
    else delete o[name];
    return zipSync(o, { level: 6 });
  };
  const editJson = (name: string, f: (o: Record<string, unknown>) => unknown) =>
    put(name, strToU8(JSON.stringify(f(JSON.parse(strFromU8(files[name]))))));
  const weights = (): Record<string, NdArray> => {
    const a = readArrayFile(files['diffraction_to_obj/weights.npz']);
    return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, { ...v, data: (v.data as Float32Array).slice() }]));
  };
  const keys = () => Object.keys(weights());
  switch (r.int(10)) {
    case 0:
      return put('manifest.json', strToU8(JSON.stringify(r.pick(JSON_VALUES)))); // manifest.json = null, a list, …
    case 1:
      return editJson('manifest.json', (m) => ({
        ...m,
        [r.pick(['version', 'models', 'backend', 'seed', 'appVersion', 'createdAt', 'datasetSha256', 'format'])]:
          r.pick(JSON_VALUES),
      })); // a wrong type
    case 2:
      return editJson('config.json', (c) => configEdit(c, r));
    case 3:
      return editJson(r.pick(['params.json', 'history.json']), () =>
        r.pick([...JSON_VALUES, [{ epoch: 'x' }], [null], { intensity_scale: 'NaN' }]),
      );
    case 4:
      return put(
        r.pick(['manifest.json', 'config.json', 'params.json', 'history.json']),
        r.pick([strToU8('{"a":'), strToU8('['.repeat(100000)), new Uint8Array([0xff, 0xfe, 0x00]), strToU8('NaN')]),
      ); // not JSON
    case 5: {
      // NaN / Inf weights
      const w = weights();
      const k = r.pick(Object.keys(w));
      (w[k].data as Float32Array)[r.int(w[k].data.length)] = r.pick([NaN, Infinity, -Infinity]);
      return put('diffraction_to_obj/weights.npz', writeNpz(w));
    }
    case 6: {
      // a weight flattened, reshaped, transposed, truncated, missing, or of another dtype
      const w = weights();
      reshapeWeight(w, r);
      return put('diffraction_to_obj/weights.npz', writeNpz(w));
    }
    case 7: // weights.npz through the npz mutators
      return put(
        'diffraction_to_obj/weights.npz',
        r.chance(0.5)
          ? zipEdit(membersOf(files['diffraction_to_obj/weights.npz']), r)
          : byteFlips(files['diffraction_to_obj/weights.npz'], r),
      );
    case 8:
      return put(r.pick([...Object.keys(files), keys()[0]]), null); // a member missing
    default:
      return zipEdit(membersOf(seeds.archive), r); // structural zip edits
  }
}
