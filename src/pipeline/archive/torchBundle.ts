/**
 * Reader for the PyTorch backend's persisted model, `wts.h5.zip` (specs/model_archive.md):
 *   manifest.dill, diffraction_to_obj/{model.pth, params.dill}, autoencoder/…, torch_scaling_metadata.pt.
 * `model.pth` is a torch.save zip: `<prefix>/data.pkl` (an OrderedDict of `_rebuild_tensor_v2` records whose
 * storages are persistent ids) + `<prefix>/data/<key>` raw little-endian storages. We locate `<prefix>/data.pkl`
 * instead of assuming a prefix (torch 1.13 writes the file stem, 2.x may write `archive/`).
 * Malformed input of any kind is refused with a `model-archive` PtychoError naming the file and member; nothing is
 * allocated beyond what the bytes present can justify (zip sizes are checked before inflating, tensors against
 * their storage member's real size).
 */
import { PtychoError } from '../../errors';
import { halfToFloat } from '../npyDecode';
import { unzipMembers } from '../zip';
import { PickleGlobal, toPlain, unpickle } from './pickle';

/**
 * A tensor as float32 values in C order. A complex64 tensor (`complex: true`, from a torch.ComplexFloatStorage) has
 * its (re, im) pairs interleaved and a trailing axis of 2 in `shape` (torch's size is `shape` without it).
 */
export interface StateTensor {
  shape: number[];
  data: Float32Array;
  complex?: boolean;
}

export type StateDict = Map<string, StateTensor>;

/**
 * torch's `state_dict._metadata`: per module prefix ('' = the root, 'model.autoencoder', …) in module order, the
 * module's local metadata (`{'version': 1}` for every module torch ships except e.g. BatchNorm's 2).
 */
export type StateDictMetadata = [string, Record<string, unknown>][];

export interface TorchBundle {
  manifest: Record<string, unknown>;
  /** state_dict of `diffraction_to_obj` (keys as the reference's, e.g. model.autoencoder.encoder.blocks.0.conv1.weight). */
  stateDict: StateDict;
  /** The legacy params dict saved beside the weights (incl. intensity_scale). */
  params: Record<string, unknown>;
  /** torch_scaling_metadata.pt, when present (configs as plain objects). */
  scalingMetadata?: Record<string, unknown>;
  /** The state_dict's `_metadata` attribute, when the pickle carries one in the expected shape. */
  stateDictMetadata?: StateDictMetadata;
}

/** Storage element types: bytes per element, and (complex) two float32 parts per element. */
const STORAGE_DTYPES: Record<string, { bytes: number; read: (dv: DataView, o: number) => number; complex?: true }> = {
  'torch.FloatStorage': { bytes: 4, read: (dv, o) => dv.getFloat32(o, true) },
  'torch.ComplexFloatStorage': { bytes: 8, read: (dv, o) => dv.getFloat32(o, true), complex: true },
  'torch.DoubleStorage': { bytes: 8, read: (dv, o) => dv.getFloat64(o, true) },
  'torch.HalfStorage': { bytes: 2, read: (dv, o) => halfToFloat(dv.getUint16(o, true)) },
  'torch.IntStorage': { bytes: 4, read: (dv, o) => dv.getInt32(o, true) },
  'torch.LongStorage': { bytes: 8, read: (dv, o) => Number(dv.getBigInt64(o, true)) },
};

/** Total decompressed bytes accepted from one archive. */
const MAX_UNZIPPED = 2 ** 32;

/**
 * Unzip through the NPZ reader's validated zip layer (src/pipeline/zip.ts unzipMembers): central directory checked (entry count,
 * plain unique names, no overlapping members), compression STORED/DEFLATE only, declared sizes within DEFLATE's ~1032×
 * expansion of bytes actually present, CRC-32 verified, and a total cap (`maxBytes`, default 4 GiB; nested archives
 * pass what is left of their parent's budget). The result has no prototype ("__proto__" is an ordinary member).
 * Any failure is a `model-archive` PtychoError naming `source` and the member.
 */
export function unzipArchive(
  bytes: Uint8Array,
  source: string,
  what: string,
  hint: string,
  maxBytes = MAX_UNZIPPED,
): Record<string, Uint8Array> {
  if (!(bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b))
    throw new PtychoError('model-archive', `${source}: ${what} (no zip signature)`, hint);
  try {
    return unzipMembers(bytes, { fileName: source, maxBytes });
  } catch (e) {
    if (e instanceof PtychoError) throw new PtychoError('model-archive', e.message, hint || e.hint);
    throw new PtychoError('model-archive', `${source}: ${what} (${e instanceof Error ? e.message : String(e)})`, hint);
  }
}

/** What a persistent id `('storage', <StorageType>, key, location, numel)` stands for. */
class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: string,
  ) {}
}

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Read a `torch.save(state_dict)` zip into named float32 tensors. */
export function readTorchStateDict(bytes: Uint8Array, source: string, maxBytes = MAX_UNZIPPED): StateDict {
  return readTorchStateDictWithMetadata(bytes, source, maxBytes).stateDict;
}

/** `_metadata` (BUILD state `{'_metadata': OrderedDict(prefix → dict)}`) → entries; anything else → undefined. */
function stateDictMetadataOf(state: unknown, source: string): StateDictMetadata | undefined {
  if (!(state instanceof Map)) return undefined;
  const md = state.get('_metadata');
  if (!(md instanceof Map)) return undefined;
  const out: StateDictMetadata = [];
  for (const [k, v] of md) {
    if (typeof k !== 'string' || !(v instanceof Map)) return undefined;
    out.push([k, toPlain(v, { source, maxDepth: 8 }) as Record<string, unknown>]);
  }
  return out;
}

/** What the tensor rebuilder reads from, and the running total of bytes it has produced. */
interface RebuildContext {
  files: Record<string, Uint8Array>;
  prefix: string;
  bad: (msg: string, hint?: string) => never;
  storageBytes: number;
  maxProduced: number;
  produced: number;
  /** Tensors already rebuilt, by storage and view: a view repeated (torch's aliases) is one tensor, allocated once. */
  views: Map<string, StateTensor>;
  /** Bytes of every tensor record, repeated views included (what a consumer copying each entry would write). */
  listed: number;
  maxListed: number;
}

function overBudget(c: RebuildContext, shape: number[], member: string, bytes: number): never {
  return c.bad(
    `tensor of shape (${shape.join(', ')}) in ${member}: the tensors together would take ${bytes} bytes from ${c.storageBytes} bytes of storage`,
  );
}

/** `_rebuild_tensor_v2(storage, offset, size, stride, …)` → a float32 tensor, every index checked against its storage. */
function rebuildTensor(
  c: RebuildContext,
  storage: unknown,
  offset: unknown,
  size: unknown,
  stride: unknown,
): StateTensor {
  if (!(storage instanceof StorageRef)) return c.bad('_rebuild_tensor_v2 without a storage');
  const dt = STORAGE_DTYPES[storage.dtype];
  if (!dt) return c.bad(`tensor storage type ${storage.dtype} is not supported`, 'save float32 weights');
  const member = `${c.prefix}data/${storage.key}`;
  const raw = c.files[member];
  if (!raw) return c.bad(`storage member ${member} missing`, 'the archive is incomplete');
  if (!isIndex(offset)) return c.bad(`tensor in ${member}: storage offset is not a non-negative integer`);
  if (!Array.isArray(size) || !size.every(isIndex))
    return c.bad(`tensor in ${member}: size is not a tuple of non-negative integers`);
  if (size.length > 64) return c.bad(`tensor in ${member}: ${size.length} dimensions (torch allows at most 64)`);
  if (!Array.isArray(stride) || !stride.every(isIndex) || stride.length !== size.length)
    return c.bad(`tensor in ${member}: stride does not match size`);
  const shape = size as number[];
  const strides = stride as number[];
  const view = `${storage.dtype}|${storage.key}|${offset}|${shape.join(',')}|${strides.join(',')}`;
  const seen = c.views.get(view);
  if (seen) {
    c.listed += 4 * seen.data.length;
    return c.listed > c.maxListed ? overBudget(c, shape, member, c.listed) : seen;
  }
  const available = Math.floor(raw.byteLength / dt.bytes);
  // Element count, and the last storage element it reads, each refused as soon as it passes the storage.
  let n = 1;
  for (const s of shape) n *= s;
  let last = offset;
  if (n > 0) for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * strides[d];
  if (!(n <= available) || (n > 0 && !(last < available))) {
    return c.bad(
      `tensor of shape (${shape.join(', ')}) in ${member} needs more than the ${raw.byteLength} bytes stored`,
    );
  }
  const parts = dt.complex ? 2 : 1;
  c.produced += 4 * parts * n;
  c.listed += 4 * parts * n;
  if (c.produced > c.maxProduced) return overBudget(c, shape, member, c.produced);
  if (c.listed > c.maxListed) return overBudget(c, shape, member, c.listed);
  const t = { shape: dt.complex ? [...shape, 2] : [...shape], data: gather(raw, dt, offset, shape, strides, n) };
  const out: StateTensor = dt.complex ? { ...t, complex: true } : t;
  c.views.set(view, out);
  return out;
}

/** The n elements of a strided view of `raw` in C order (complex: re, im interleaved). */
function gather(
  raw: Uint8Array,
  dt: (typeof STORAGE_DTYPES)[string],
  offset: number,
  shape: number[],
  strides: number[],
  n: number,
): Float32Array {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const parts = dt.complex ? 2 : 1;
  const data = new Float32Array(parts * n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let off = offset;
    for (let d = 0; d < shape.length; d++) off += idx[d] * strides[d];
    data[parts * i] = dt.read(dv, off * dt.bytes);
    if (parts === 2) data[2 * i + 1] = dt.read(dv, off * dt.bytes + 4);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return data;
}

/** `readTorchStateDict` plus the state_dict's `_metadata` (undefined when absent or not in torch's shape). */
export function readTorchStateDictWithMetadata(
  bytes: Uint8Array,
  source: string,
  maxBytes = MAX_UNZIPPED,
): { stateDict: StateDict; metadata?: StateDictMetadata } {
  const builds = new Map<unknown, unknown>();
  const files = unzipArchive(
    bytes,
    source,
    'not a torch.save zip',
    'pass the model.pth inside wts.h5.zip, or the whole wts.h5.zip',
    maxBytes,
  );
  const pkl = Object.keys(files).find((n) => n.endsWith('/data.pkl') || n === 'data.pkl');
  if (!pkl)
    throw new PtychoError(
      'model-archive',
      `${source}: no data.pkl inside (members: ${Object.keys(files).slice(0, 8).join(', ')})`,
      'this is not a torch.save archive',
    );
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const where = `${source}:${pkl}`;
  const bad = (msg: string, hint = 'the archive is damaged'): never => {
    throw new PtychoError('model-archive', `${where}: ${msg}`, hint);
  };
  // Tensors may share a storage (views), but all of them together may not read more than twice the storages'
  // bytes (+16 MiB): a few bytes of pickle per tensor record cannot multiply one storage into gigabytes. The same
  // view repeated (torch's aliases of one parameter) is rebuilt once and returned as one object; the records together,
  // repeats included, may list at most 64× the storages' bytes (+16 MiB): FFNO lists its shared spectral weights
  // 4·fno_blocks + 2 times, every other tensor at most 4 times.
  let storageBytes = 0;
  for (const n of Object.keys(files)) if (n.startsWith(`${prefix}data/`)) storageBytes += files[n].byteLength;
  const ctx: RebuildContext = {
    files,
    prefix,
    bad,
    storageBytes,
    maxProduced: 2 * storageBytes + 2 ** 24,
    produced: 0,
    views: new Map(),
    listed: 0,
    maxListed: 64 * storageBytes + 2 ** 24,
  };
  const result = unpickle(files[pkl], {
    source: where,
    onBuild: (obj, state) => void builds.set(obj, state),
    allowedGlobals: ['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', ...Object.keys(STORAGE_DTYPES)],
    persistentLoad(pid) {
      if (!Array.isArray(pid) || pid.length < 3 || pid[0] !== 'storage')
        return bad('unexpected persistent id (expected a storage record)');
      const t = pid as unknown[];
      if (!(t[1] instanceof PickleGlobal)) return bad('storage record without a storage type');
      if (typeof t[2] !== 'string' && !isIndex(t[2])) return bad('storage record with an invalid key');
      return new StorageRef(String(t[2]), t[1].qualified);
    },
    reducers: {
      'collections.OrderedDict': () => new Map(),
      'torch._utils._rebuild_tensor_v2': (storage, offset, size, stride) =>
        rebuildTensor(ctx, storage, offset, size, stride),
    },
  });
  if (!(result instanceof Map))
    return bad('data.pkl is not a state_dict', 'this is not a torch.save(state_dict) archive');
  const out: StateDict = new Map();
  for (const [k, v] of result) {
    if (typeof k !== 'string') bad('a state_dict key is not a string');
    const t = v as StateTensor;
    if (!t || typeof t !== 'object' || !(t.data instanceof Float32Array)) bad(`entry ${k} is not a tensor`);
    out.set(k, t);
  }
  const metadata = stateDictMetadataOf(builds.get(result), where);
  return metadata ? { stateDict: out, metadata } : { stateDict: out };
}

/** Read a plain pickle/dill dict (manifest.dill, params.dill): only primitive values are accepted. */
export function readPickledDict(bytes: Uint8Array, source: string): Record<string, unknown> {
  const v = unpickle(bytes, { source, allowedGlobals: [] });
  if (!(v instanceof Map))
    throw new PtychoError(
      'model-archive',
      `${source}: expected a dict`,
      'the file is damaged or was not written by PtychoPINN',
    );
  return toPlain(v, { source, inputBytes: bytes.length }) as Record<string, unknown>;
}

/** Read a whole `wts.h5.zip` as written by ptycho_torch.model_manager.save_torch_bundle. */
export function readTorchBundle(bytes: Uint8Array, source = 'wts.h5.zip'): TorchBundle {
  const hint = 'choose the wts.h5.zip written by PtychoPINN, or a model .zip exported by this app';
  const files = unzipArchive(bytes, source, 'not a zip archive', hint);
  // Nested zips (model.pth, torch_scaling_metadata.pt) share one budget: what DEFLATE could expand the whole file to,
  // less what the outer members already took (a zip of zip bombs cannot multiply the 1032× limit).
  let budget = Math.min(MAX_UNZIPPED, 1032 * bytes.length + 2 ** 20);
  for (const n of Object.keys(files)) budget -= files[n].byteLength;
  budget = Math.max(0, budget);
  const need = (name: string) => {
    const f = files[name];
    if (!f)
      throw new PtychoError(
        'model-archive',
        `${source}: member ${name} is missing (has: ${Object.keys(files).slice(0, 16).join(', ')})`,
        'the archive is incomplete or not a PtychoPINN PyTorch bundle',
      );
    return f;
  };
  const manifest = readPickledDict(need('manifest.dill'), `${source}:manifest.dill`);
  // The small params dict (the config) before the state dict: a damaged config is reported as such, and first.
  const params = readPickledDict(need('diffraction_to_obj/params.dill'), `${source}:diffraction_to_obj/params.dill`);
  const { stateDict, metadata: stateDictMetadata } = readTorchStateDictWithMetadata(
    need('diffraction_to_obj/model.pth'),
    `${source}:diffraction_to_obj/model.pth`,
    budget,
  );
  let scalingMetadata: Record<string, unknown> | undefined;
  const meta = files['torch_scaling_metadata.pt'];
  if (meta) {
    const where = `${source}:torch_scaling_metadata.pt`;
    const inner = unzipArchive(
      meta,
      where,
      'not a torch.save zip',
      'the archive is damaged; re-save the bundle with PtychoPINN',
      budget,
    );
    const pkl = Object.keys(inner).find((n) => n.endsWith('data.pkl'));
    if (pkl) {
      const v = unpickle(inner[pkl], { source: `${where}:${pkl}`, allowedGlobals: [] });
      if (!(v instanceof Map))
        throw new PtychoError(
          'model-archive',
          `${where}:${pkl}: expected a dict`,
          'the archive is damaged; re-save the bundle with PtychoPINN',
        );
      scalingMetadata = toPlain(v, { source: `${where}:${pkl}`, inputBytes: inner[pkl].length }) as Record<
        string,
        unknown
      >;
    }
  }
  return { manifest, stateDict, params, scalingMetadata, ...(stateDictMetadata ? { stateDictMetadata } : {}) };
}
