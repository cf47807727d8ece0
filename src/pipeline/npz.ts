import { Inflate, inflateSync, zipSync } from 'fflate';
import { PtychoError } from '../errors';
import { sizeOf, shapeStr, type DType, type NdArray } from './ndarray';

/**
 * NPZ / NPY reading and writing (specs/npz.md). Reading converts to the app's dtypes: float64/float16 → float32,
 * complex128 → complex64 (interleaved re, im), int64/uint64 → exact doubles (range-checked to ±2^53), bool → 0/1,
 * numpy unicode/bytes scalars → strings; Fortran-order arrays are reordered to C order and big-endian data
 * byte-swapped. Object (pickle) arrays and structured dtypes are refused with the key and how to re-save.
 * Damaged input is refused with a PtychoError before any large allocation (zip layer: readZipDirectory and
 * memberBytes): the central directory must lie inside the file and hold the entries it declares; member names must be
 * plain (no `..`, not absolute, no duplicates); members may not overlap each other or the central directory; a STORED
 * member's size equals its compressed size, a DEFLATE member declares ≤ 1032 × compressed + 1 KiB and ≤ `maxBytes`,
 * inflates to exactly that length and matches its CRC-32. NPY headers are checked against the bytes actually present.
 * Writing produces files numpy reads: NPY v1.0 headers byte-identical to numpy's, zip STORED (np.savez) or
 * DEFLATE (np.savez_compressed).
 */
export interface NpzReadOptions {
  /** For messages. */
  fileName?: string;
  /** Cap on the total decoded bytes of all arrays (default 4 GiB). */
  maxBytes?: number;
  /** Read only these keys (others are skipped without inflating). */
  keys?: string[];
  /** float64 arrays under these keys stay float64 (scan coordinates need the precision). */
  float64Keys?: string[];
}

/** Keys whose float64 data are kept as float64 by default. */
export const FLOAT64_KEYS = ['xcoords', 'ycoords', 'xcoords_start', 'ycoords_start'];

export interface NpzWriteOptions {
  /** DEFLATE (np.savez_compressed) instead of STORED (np.savez). */
  compress?: boolean;
}

const DEFAULT_MAX = 2 ** 32;
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function corrupt(
  file: string,
  what: string,
  hint = 'the file is damaged or truncated: re-save it with numpy (np.savez)',
): PtychoError {
  return new PtychoError('npz-corrupt', `${file}: ${what}`, hint);
}

interface Header {
  descr: string;
  fortran: boolean;
  shape: number[];
  dataOffset: number;
}

/** Parse the Python-literal header dict numpy writes: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } */
function parseHeader(bytes: Uint8Array, where: string): Header {
  for (let i = 0; i < 6; i++) if (bytes[i] !== MAGIC[i]) throw corrupt(where, 'not an NPY array (bad magic bytes)');
  if (bytes.length < 10) throw corrupt(where, 'NPY header truncated');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let hlen: number;
  let start: number;
  if (major === 1) {
    hlen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw corrupt(where, 'NPY header truncated');
    hlen = dv.getUint32(8, true);
    start = 12;
  } else throw corrupt(where, `unsupported NPY format version ${major}.${bytes[7]}`, 'save with numpy ≥ 1.0 (np.save)');
  if (start + hlen > bytes.length)
    throw corrupt(where, `NPY header declares ${hlen} bytes but only ${bytes.length - start} follow`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + hlen));
  const descrM = /'descr'\s*:\s*('([^']*)'|\[)/.exec(text);
  const fortM = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descrM || !fortM || !shapeM)
    throw corrupt(where, `unreadable NPY header ${JSON.stringify(text.trim().slice(0, 120))}`);
  if (descrM[1] === '[') {
    throw new PtychoError(
      'npz-unsupported',
      `${where}: structured (record) dtype ${text.slice(text.indexOf('['), text.indexOf(']') + 1).slice(0, 120)} is not supported`,
      'save each field as its own array, e.g. np.savez(f, x=rec["x"], y=rec["y"])',
    );
  }
  const shape = shapeM[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const n = /^\d+L?$/.test(s) ? Number(s.replace(/L$/, '')) : NaN;
      if (!Number.isSafeInteger(n))
        throw corrupt(where, `bad shape entry ${JSON.stringify(s.slice(0, 40))} in NPY header`);
      return n;
    });
  // numpy arrays have at most 64 dimensions (NPY_MAXDIMS).
  if (shape.length > 64)
    throw corrupt(where, `NPY header declares ${shape.length} dimensions (numpy allows at most 64)`);
  return { descr: descrM[2], fortran: fortM[1] === 'True', shape, dataOffset: start + hlen };
}

interface DTypeInfo {
  kind: 'f' | 'c' | 'i' | 'u' | 'b' | 'U' | 'S';
  size: number;
  little: boolean;
}

function parseDescr(descr: string, where: string): DTypeInfo {
  const m = /^([<>|=])([a-zA-Z])(\d*)$/.exec(descr);
  if (!m)
    throw new PtychoError(
      'npz-unsupported',
      `${where}: dtype ${JSON.stringify(descr)} is not supported`,
      'save as float32, float64, complex64, integer or bool',
    );
  const [, order, kind, digits] = m;
  // numpy's <U n counts characters (4 bytes each, UTF-32); every other kind counts bytes.
  const size = digits ? Number(digits) * (kind === 'U' ? 4 : 1) : 0;
  if (kind === 'O') {
    throw new PtychoError(
      'npz-unsupported',
      `${where}: object array (dtype 'O') needs Python's pickle, which this app never runs`,
      'store numbers with a numeric dtype (np.asarray(x, dtype=np.float32)) and text as a plain string or JSON, e.g. np.savez(f, meta=json.dumps(d))',
    );
  }
  const ok =
    (kind === 'f' && (size === 2 || size === 4 || size === 8)) ||
    (kind === 'c' && (size === 8 || size === 16)) ||
    ((kind === 'i' || kind === 'u') && [1, 2, 4, 8].includes(size)) ||
    (kind === 'b' && size === 1) ||
    (kind === 'U' && size > 0) ||
    (kind === 'S' && size > 0);
  if (!ok)
    throw new PtychoError(
      'npz-unsupported',
      `${where}: dtype ${JSON.stringify(descr)} is not supported`,
      'save as float32, float64, complex64, integer or bool',
    );
  return { kind: kind as DTypeInfo['kind'], size, little: order !== '>' };
}

/** IEEE half → number (numpy float16 and torch HalfStorage). */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** C-order copy of Fortran-order data (`comps` numbers per element). */
function fortranToC<
  T extends Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array,
>(data: T, shape: number[], comps: number): T {
  const n = sizeOf(shape);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const nd = shape.length;
  const fstride = new Array(nd);
  let s = 1;
  for (let d = 0; d < nd; d++) {
    fstride[d] = s;
    s *= shape[d];
  }
  const idx = new Array(nd).fill(0);
  for (let i = 0; i < n; i++) {
    let f = 0;
    for (let d = 0; d < nd; d++) f += idx[d] * fstride[d];
    for (let k = 0; k < comps; k++) out[i * comps + k] = data[f * comps + k];
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Decode one NPY file. */
export function readNpy(bytes: Uint8Array, key: string, opts: NpzReadOptions = {}): NdArray {
  const file = opts.fileName ?? '<memory>';
  const where = `${file}, key "${key}"`;
  const h = parseHeader(bytes, where);
  const dt = parseDescr(h.descr, where);
  const n = sizeOf(h.shape);
  const declared = n * dt.size;
  const present = bytes.length - h.dataOffset;
  const max = opts.maxBytes ?? DEFAULT_MAX;
  if (declared > max) {
    throw new PtychoError(
      'npz-too-large',
      `${where}: shape ${shapeStr(h.shape)} of ${h.descr} needs ${declared} bytes, above the ${max}-byte limit`,
      'load a smaller file, or subsample the scan before saving',
    );
  }
  if (declared !== present) {
    throw corrupt(
      where,
      `header declares shape ${shapeStr(h.shape)} of ${h.descr} = ${declared} bytes but the data hold ${present} bytes`,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + h.dataOffset, declared);
  const le = dt.little;
  const notes: string[] = [];
  let dtype: DType;
  let data: NdArray['data'];
  let comps = 1;
  if (!le && dt.size > 1 && dt.kind !== 'U' && dt.kind !== 'S') notes.push(`big-endian ${h.descr} byte-swapped`);
  switch (dt.kind) {
    case 'f': {
      const out = new Float32Array(n);
      if (dt.size === 4) for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, le);
      else if (dt.size === 8) {
        if ((opts.float64Keys ?? FLOAT64_KEYS).includes(key)) {
          const o64 = new Float64Array(n);
          for (let i = 0; i < n; i++) o64[i] = dv.getFloat64(8 * i, le);
          if (h.fortran && h.shape.length > 1) {
            const arr: NdArray = {
              dtype: 'f64',
              shape: h.shape,
              data: fortranToC(o64, h.shape, 1),
              notes: ['Fortran order → C order'],
            };
            return arr;
          }
          return notes.length
            ? { dtype: 'f64', shape: h.shape, data: o64, notes }
            : { dtype: 'f64', shape: h.shape, data: o64 };
        }
        for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, le);
        notes.push('float64 → float32');
      } else {
        for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, le));
        notes.push('float16 → float32');
      }
      dtype = 'f32';
      data = out;
      break;
    }
    case 'c': {
      const out = new Float32Array(2 * n);
      if (dt.size === 8) for (let i = 0; i < 2 * n; i++) out[i] = dv.getFloat32(4 * i, le);
      else {
        for (let i = 0; i < 2 * n; i++) out[i] = dv.getFloat64(8 * i, le);
        notes.push('complex128 → complex64');
      }
      dtype = 'c64';
      data = out;
      comps = 2;
      break;
    }
    case 'i':
    case 'u': {
      const signed = dt.kind === 'i';
      if (dt.size === 8) {
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const v = signed ? dv.getBigInt64(8 * i, le) : dv.getBigUint64(8 * i, le);
          if (v > 9007199254740992n || v < -9007199254740992n) {
            throw new PtychoError(
              'npz-unsupported',
              `${where}: ${signed ? 'int64' : 'uint64'} value ${v} at flat index ${i} is beyond ±2^53 and cannot be held exactly`,
              'store such values as float64 or split them',
            );
          }
          out[i] = Number(v);
        }
        dtype = signed ? 'i64' : 'u64';
        data = out;
      } else {
        const Ctor = {
          1: signed ? Int8Array : Uint8Array,
          2: signed ? Int16Array : Uint16Array,
          4: signed ? Int32Array : Uint32Array,
        }[dt.size as 1 | 2 | 4];
        const out = new Ctor(n);
        for (let i = 0; i < n; i++) {
          out[i] =
            dt.size === 1
              ? signed
                ? dv.getInt8(i)
                : dv.getUint8(i)
              : dt.size === 2
                ? signed
                  ? dv.getInt16(2 * i, le)
                  : dv.getUint16(2 * i, le)
                : signed
                  ? dv.getInt32(4 * i, le)
                  : dv.getUint32(4 * i, le);
        }
        dtype = `${dt.kind}${dt.size * 8}` as DType;
        data = out;
      }
      break;
    }
    case 'b': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = dv.getUint8(i) ? 1 : 0;
      dtype = 'bool';
      data = out;
      break;
    }
    case 'U':
    case 'S': {
      const strs: string[] = [];
      for (let i = 0; i < n; i++) {
        let s = '';
        if (dt.kind === 'U') {
          for (let c = 0; c < dt.size / 4; c++) {
            const cp = dv.getUint32(i * dt.size + 4 * c, le);
            if (cp === 0) break;
            if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
              throw corrupt(where, `unicode string at flat index ${i} holds invalid code point 0x${cp.toString(16)}`);
            }
            s += String.fromCodePoint(cp);
          }
        } else {
          const raw = new Uint8Array(dv.buffer, dv.byteOffset + i * dt.size, dt.size);
          const end = raw.indexOf(0);
          s = new TextDecoder('utf-8').decode(end >= 0 ? raw.subarray(0, end) : raw);
        }
        strs.push(s);
      }
      const arr: NdArray = {
        dtype: 'str',
        shape: h.shape,
        data: new Uint8Array(0),
        text: n === 1 ? strs[0] : JSON.stringify(strs),
      };
      if (notes.length) arr.notes = notes;
      return arr;
    }
  }
  if (h.fortran && h.shape.length > 1) {
    data = fortranToC(data as Float32Array, h.shape, comps);
    notes.push('Fortran order → C order');
  }
  const arr: NdArray = { dtype, shape: h.shape, data };
  if (notes.length) arr.notes = notes;
  return arr;
}

function isZip(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5) && (b[3] === 4 || b[3] === 6);
}

function isNpy(b: Uint8Array): boolean {
  return b.length >= 6 && MAGIC.every((m, i) => b[i] === m);
}

/** Decode every `.npy` member of an NPZ (zip). */
export function readNpz(bytes: Uint8Array, opts: NpzReadOptions = {}): Record<string, NdArray> {
  const file = opts.fileName ?? '<memory>';
  if (!isZip(bytes))
    throw corrupt(
      file,
      isNpy(bytes) ? 'is a single .npy array, not an .npz archive' : 'is not an NPZ (zip) file',
      'save the scan with np.savez(...)',
    );
  const max = opts.maxBytes ?? DEFAULT_MAX;
  const entries = readZipDirectory(bytes, file);
  // Every selected member's declared size is checked (against its compressed size, the cap and the running
  // total) before anything is inflated.
  const chosen: ZipEntry[] = [];
  const keys = new Set<string>();
  let total = 0;
  for (const e of entries) {
    if (e.name.endsWith('/')) continue;
    const key = e.name.replace(/\.npy$/, '');
    if (opts.keys && !opts.keys.includes(key)) continue;
    if (keys.has(key))
      throw corrupt(
        file,
        `key "${key}" appears twice in the archive (member ${e.name})`,
        're-save the arrays with np.savez(...): each key once',
      );
    keys.add(key);
    total += e.usize;
    if (e.usize > max || total > max) {
      if (e.method !== 0 && e.method !== 8) checkDeclaredSize(e, file); // an unknown method is the better message
      throw new PtychoError(
        'npz-too-large',
        `${file}: member ${e.name} declares ${e.usize} bytes (total ${total}), above the ${max}-byte limit`,
        'load a smaller file, or subsample the scan before saving',
      );
    }
    checkDeclaredSize(e, file);
    chosen.push(e);
  }
  const out: Record<string, NdArray> = {};
  for (const e of chosen) {
    const key = e.name.replace(/\.npy$/, '');
    // defineProperty: a key such as "__proto__" becomes an ordinary entry, never the object's prototype.
    Object.defineProperty(out, key, {
      value: readNpy(memberBytes(bytes, e, file), key, opts),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  if (Object.keys(out).length === 0 && !opts.keys)
    throw corrupt(file, 'the archive holds no arrays', 'save the scan with np.savez(...)');
  return out;
}

/** NPZ, or a single NPY (returned under its base name). */
export function readArrayFile(bytes: Uint8Array, opts: NpzReadOptions = {}): Record<string, NdArray> {
  const file = opts.fileName ?? '<memory>';
  if (isNpy(bytes)) {
    const key = file.replace(/^.*[\\/]/, '').replace(/\.npy$/i, '') || 'array';
    return { [key]: readNpy(bytes, key, opts) };
  }
  if (isZip(bytes)) return readNpz(bytes, opts);
  throw corrupt(file, 'is neither an NPZ archive nor an NPY array', 'drop a .npz saved with np.savez (or a .npy)');
}

// ------------------------------------------------------------------ zip container

/** One central-directory entry, every offset and size checked against the file. */
interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc: number;
  /** Compressed bytes. */
  csize: number;
  /** Declared uncompressed bytes. */
  usize: number;
  /** Offset of the member's data (after its local header). */
  dataStart: number;
}

/** DEFLATE cannot expand by more than ~1032×; a larger claim is a damaged (or hostile) header. */
const DEFLATE_MAX_RATIO = 1032;

let CRC_TABLE: Uint32Array | null = null;

/** CRC-32 (zip / zlib polynomial 0xEDB88320). */
export function crc32(data: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  const t = CRC_TABLE;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function decodeName(raw: Uint8Array, utf8Flag: boolean): string {
  if (utf8Flag) return new TextDecoder('utf-8').decode(raw);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return new TextDecoder('latin1').decode(raw);
  }
}

/** Refuse member names that could not come from np.savez: empty, absolute, `..` components, NUL bytes. */
function checkName(name: string, file: string): void {
  const bad = (why: string) =>
    corrupt(
      file,
      `member name ${JSON.stringify(name.slice(0, 200))} ${why}`,
      're-save the arrays with np.savez(...): its member names are plain keys',
    );
  if (name.length === 0) throw bad('is empty');
  if (name.includes('\0')) throw bad('contains a NUL byte');
  if (/^[\\/]/.test(name) || /^[A-Za-z]:/.test(name)) throw bad('is an absolute path');
  if (name.split(/[\\/]/).includes('..')) throw bad('contains a ".." path component');
}

/**
 * Parse and validate the central directory: the end record(s), entry count, every entry's name, sizes and local
 * header, with no member overlapping another or the central directory. Nothing is inflated here.
 */
function readZipDirectory(bytes: Uint8Array, file: string): ZipEntry[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  if (n < 22)
    throw corrupt(file, 'the zip archive is damaged or truncated (shorter than an end-of-central-directory record)');
  let eocd = -1;
  for (let i = n - 22; i >= Math.max(0, n - 22 - 65535); i--) {
    if (dv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw corrupt(file, 'the zip archive is damaged or truncated (no end-of-central-directory record)');
  if (dv.getUint16(eocd + 4, true) !== 0 || dv.getUint16(eocd + 6, true) !== 0) {
    throw new PtychoError(
      'npz-unsupported',
      `${file}: split (multi-disk) zip archives are not supported`,
      're-save the arrays as one file with np.savez(...)',
    );
  }
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOff = dv.getUint32(eocd + 16, true);
  let cdLimit = eocd;
  // ZIP64 end record (Python's zipfile writes one for > 65535 members or > 4 GiB archives).
  if (eocd >= 20 && dv.getUint32(eocd - 20, true) === 0x07064b50) {
    const z = Number(dv.getBigUint64(eocd - 20 + 8, true));
    if (!(z + 56 <= eocd - 20) || dv.getUint32(z, true) !== 0x06064b50)
      throw corrupt(file, 'the zip archive is damaged (bad ZIP64 end-of-central-directory record)');
    count = Number(dv.getBigUint64(z + 32, true));
    cdSize = Number(dv.getBigUint64(z + 40, true));
    cdOff = Number(dv.getBigUint64(z + 48, true));
    cdLimit = z;
  }
  const cdEnd = cdOff + cdSize;
  if (!(cdEnd <= cdLimit))
    throw corrupt(file, `the zip central directory (${cdSize} bytes at offset ${cdOff}) lies outside the file`);
  if (count > cdSize / 46)
    throw corrupt(
      file,
      `the zip end record declares ${count} entries but the central directory holds at most ${Math.floor(cdSize / 46)}`,
    );
  const entries: ZipEntry[] = [];
  const spans: [number, number, string][] = [];
  const seen = new Set<string>();
  let p = cdOff;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdEnd || dv.getUint32(p, true) !== 0x02014b50)
      throw corrupt(file, `the zip central directory is damaged (entry ${i})`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let csize = dv.getUint32(p + 20, true);
    let usize = dv.getUint32(p + 24, true);
    const nlen = dv.getUint16(p + 28, true);
    const elen = dv.getUint16(p + 30, true);
    const clen = dv.getUint16(p + 32, true);
    let local = dv.getUint32(p + 42, true);
    const next = p + 46 + nlen + elen + clen;
    if (next > cdEnd) throw corrupt(file, `the zip central directory is damaged (entry ${i} runs past its end)`);
    const name = decodeName(bytes.subarray(p + 46, p + 46 + nlen), (flags & 0x800) !== 0);
    // ZIP64 extra field: 8-byte values for whichever 32-bit fields hold 0xFFFFFFFF, in this order.
    for (let e = p + 46 + nlen; e + 4 <= p + 46 + nlen + elen;) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      const end = e + 4 + len;
      if (end > p + 46 + nlen + elen)
        throw corrupt(file, `member ${name}: damaged extra field in the zip central directory`);
      if (id === 1) {
        let q = e + 4;
        const take = (): number => {
          if (q + 8 > end) throw corrupt(file, `member ${name}: ZIP64 extra field too short`);
          const v = Number(dv.getBigUint64(q, true));
          q += 8;
          return v;
        };
        if (usize === 0xffffffff) usize = take();
        if (csize === 0xffffffff) csize = take();
        if (local === 0xffffffff) local = take();
      }
      e = end;
    }
    p = next;
    checkName(name, file);
    if (seen.has(name))
      throw corrupt(
        file,
        `member ${name} appears twice in the zip archive`,
        're-save the arrays with np.savez(...): each key once',
      );
    seen.add(name);
    if (flags & 1)
      throw new PtychoError(
        'npz-unsupported',
        `${file}: member ${name} is encrypted`,
        'save without a password, with np.savez or np.savez_compressed',
      );
    if (local + 30 > n || dv.getUint32(local, true) !== 0x04034b50)
      throw corrupt(file, `member ${name}: local header missing or beyond the end of the file`);
    const dataStart = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    if (dataStart + csize > n)
      throw corrupt(file, `member ${name} declares ${csize} bytes past the end of the file (truncated?)`);
    spans.push([local, dataStart + csize, name]);
    entries.push({ name, method, flags, crc, csize, usize, dataStart });
  }
  // No member may share bytes with another or with the central directory.
  spans.push([cdOff, cdEnd, '(central directory)']);
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let i = 1; i < spans.length; i++) {
    const [s, , nm] = spans[i];
    const [, e0, nm0] = spans[i - 1];
    if (s < e0) throw corrupt(file, `zip members ${nm0} and ${nm} overlap (bytes ${s}–${e0})`);
  }
  return entries;
}

/** Sizes a member may declare: STORED = its compressed size; DEFLATE ≤ 1032 × compressed + 1 KiB. */
function checkDeclaredSize(e: ZipEntry, file: string): void {
  if (e.method !== 0 && e.method !== 8)
    throw corrupt(
      file,
      `member ${e.name} uses zip compression method ${e.method}`,
      'save with np.savez or np.savez_compressed',
    );
  if (e.method === 0 && e.usize !== e.csize)
    throw corrupt(file, `member ${e.name} is stored (uncompressed) yet declares ${e.usize} bytes in ${e.csize}`);
  if (e.method === 8 && e.usize > e.csize * DEFLATE_MAX_RATIO + 1024)
    throw corrupt(file, `member ${e.name} claims ${e.usize} bytes from ${e.csize} compressed bytes`);
}

/** The full bytes of one member (sizes already checked), inflated into exactly the declared length, CRC-32 verified. */
function memberBytes(bytes: Uint8Array, e: ZipEntry, file: string): Uint8Array {
  const comp = bytes.subarray(e.dataStart, e.dataStart + e.csize);
  let data: Uint8Array;
  if (e.method === 0) data = comp;
  else if (e.csize === 0 && e.usize === 0) data = comp;
  else {
    let out: Uint8Array;
    try {
      out = new Uint8Array(e.usize + 1); // one spare byte reveals a stream longer than declared
    } catch {
      throw new PtychoError(
        'npz-too-large',
        `${file}: member ${e.name} needs ${e.usize} bytes, more than this machine can allocate`,
        'load a smaller file, or subsample the scan before saving',
      );
    }
    try {
      data = inflateSync(comp, { out });
    } catch (err) {
      throw corrupt(file, `member ${e.name} does not inflate (${(err as Error).message})`);
    }
    if (data.length !== e.usize)
      throw corrupt(
        file,
        `member ${e.name} inflates to ${data.length === e.usize + 1 ? 'more than' : data.length} bytes but declares ${e.usize}`,
      );
  }
  const c = crc32(data);
  if (c !== e.crc)
    throw corrupt(
      file,
      `member ${e.name} fails its CRC-32 check (stored ${e.crc.toString(16).padStart(8, '0')}, computed ${c.toString(16).padStart(8, '0')})`,
    );
  return data;
}

/**
 * Every member of a zip (not only `.npy`), through the same checks as readNpz: a validated central directory (plain,
 * unique names; no overlaps; entry count within the directory), declared sizes checked before inflating, each member
 * inflated into exactly its declared length and CRC-32 verified, and the total declared size ≤ `maxBytes`. The
 * result has no prototype, so a member named "__proto__" is an ordinary entry. Used by the model-archive readers.
 */
export function unzipMembers(
  bytes: Uint8Array,
  opts: { fileName?: string; maxBytes?: number } = {},
): Record<string, Uint8Array> {
  const file = opts.fileName ?? '<memory>';
  if (!isZip(bytes)) throw corrupt(file, 'is not a zip archive', 'choose the zip file itself');
  const max = opts.maxBytes ?? DEFAULT_MAX;
  const entries = readZipDirectory(bytes, file).filter((e) => !e.name.endsWith('/'));
  let total = 0;
  for (const e of entries) {
    checkDeclaredSize(e, file);
    total += e.usize;
    if (total > max)
      throw new PtychoError(
        'npz-too-large',
        `${file}: member ${e.name} declares ${e.usize} bytes (total ${total}), above the ${max}-byte limit`,
        'the archive is damaged or far larger than a model',
      );
  }
  const out = Object.create(null) as Record<string, Uint8Array>;
  for (const e of entries) out[e.name] = memberBytes(bytes, e, file);
  return out;
}

/** Member names from the central directory (validated as in unzipMembers); nothing is inflated. */
export function zipMemberNames(bytes: Uint8Array, fileName = '<memory>'): string[] {
  if (!isZip(bytes)) throw corrupt(fileName, 'is not a zip archive', 'choose the zip file itself');
  return readZipDirectory(bytes, fileName).map((e) => e.name);
}

// ------------------------------------------------------------------ listing

export interface NpzEntryInfo {
  key: string;
  dtypeOnDisk: string;
  shape: number[];
  fortranOrder: boolean;
  bytes: number;
}

/** NPY header bytes we need at most (v1 header ≤ 65535 + 10; a v2 header beyond that is refused as corrupt). */
const HEAD_MAX = 65546;

/** The first ≤ HEAD_MAX bytes of a zip member: STORED = a slice, DEFLATE = a streamed prefix (never the whole). */
function memberPrefix(bytes: Uint8Array, e: ZipEntry, file: string): Uint8Array {
  const comp = bytes.subarray(e.dataStart, e.dataStart + e.csize);
  if (e.method === 0) return comp.subarray(0, HEAD_MAX);
  const parts: Uint8Array[] = [];
  let got = 0;
  const inf = new Inflate((chunk) => {
    parts.push(chunk);
    got += chunk.length;
  });
  try {
    // Feed small slices until the header is out; the data themselves are never inflated in full.
    for (let o = 0; o < comp.length && got < HEAD_MAX; o += 4096)
      inf.push(comp.subarray(o, o + 4096), o + 4096 >= comp.length);
  } catch (err) {
    throw corrupt(file, `member ${e.name} does not inflate (${(err as Error).message})`);
  }
  const out = new Uint8Array(Math.min(got, HEAD_MAX));
  let o = 0;
  for (const p of parts) {
    if (o >= out.length) break;
    out.set(p.subarray(0, out.length - o), o);
    o += p.length;
  }
  return out;
}

/** Headers of every member (key, on-disk dtype, shape, order, data bytes) from the central directory: no data inflated. */
export function listNpz(bytes: Uint8Array, opts: NpzReadOptions = {}): NpzEntryInfo[] {
  const file = opts.fileName ?? '<memory>';
  if (isNpy(bytes)) {
    const key = file.replace(/^.*[\\/]/, '').replace(/\.npy$/i, '') || 'array';
    const h = parseHeader(bytes, `${file}, key "${key}"`);
    return [{ key, dtypeOnDisk: h.descr, shape: h.shape, fortranOrder: h.fortran, bytes: bytes.length - h.dataOffset }];
  }
  if (!isZip(bytes))
    throw corrupt(file, 'is neither an NPZ archive nor an NPY array', 'drop a .npz saved with np.savez (or a .npy)');
  const out: NpzEntryInfo[] = [];
  const keys = new Set<string>();
  for (const e of readZipDirectory(bytes, file)) {
    if (e.name.endsWith('/')) continue;
    const key = e.name.replace(/\.npy$/, '');
    if (opts.keys && !opts.keys.includes(key)) continue;
    if (keys.has(key))
      throw corrupt(
        file,
        `key "${key}" appears twice in the archive (member ${e.name})`,
        're-save the arrays with np.savez(...): each key once',
      );
    keys.add(key);
    checkDeclaredSize(e, file);
    const head = memberPrefix(bytes, e, file);
    const h = parseHeader(head, `${file}, key "${key}"`);
    const dt = parseDescr(h.descr, `${file}, key "${key}"`);
    out.push({ key, dtypeOnDisk: h.descr, shape: h.shape, fortranOrder: h.fortran, bytes: sizeOf(h.shape) * dt.size });
  }
  return out;
}

// ------------------------------------------------------------------ writing

function descrOf(a: NdArray): { descr: string; size: number } {
  switch (a.dtype) {
    case 'f32':
      return { descr: '<f4', size: 4 };
    case 'f64':
      return { descr: '<f8', size: 8 };
    case 'c64':
      return { descr: '<c8', size: 8 };
    case 'i8':
      return { descr: '|i1', size: 1 };
    case 'u8':
      return { descr: '|u1', size: 1 };
    case 'i16':
      return { descr: '<i2', size: 2 };
    case 'u16':
      return { descr: '<u2', size: 2 };
    case 'i32':
      return { descr: '<i4', size: 4 };
    case 'u32':
      return { descr: '<u4', size: 4 };
    case 'i64':
      return { descr: '<i8', size: 8 };
    case 'u64':
      return { descr: '<u8', size: 8 };
    case 'bool':
      return { descr: '|b1', size: 1 };
    case 'str': {
      const n = Math.max(1, [...(a.text ?? '')].length);
      return { descr: `<U${n}`, size: 4 * n };
    }
  }
}

function pyTuple(shape: number[]): string {
  if (shape.length === 0) return '()';
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** The NPY v1.0 header exactly as numpy writes it (incl. its growth padding and 64-byte alignment). */
export function npyHeader(descr: string, shape: number[], fortran = false): Uint8Array {
  let dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${pyTuple(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(21 - String(shape[fortran ? shape.length - 1 : 0]).length);
  const hlen0 = dict.length + 1;
  const pad = 64 - ((10 + hlen0) % 64);
  const header = dict + ' '.repeat(pad === 64 ? 0 : pad) + '\n';
  const useV2 = header.length > 65535;
  const pre = useV2 ? 12 : 10;
  const out = new Uint8Array(pre + header.length);
  out.set(MAGIC);
  out[6] = useV2 ? 2 : 1;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (useV2) dv.setUint32(8, header.length, true);
  else dv.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  return out;
}

export function writeNpy(a: NdArray): Uint8Array {
  const { descr, size } = descrOf(a);
  const n = sizeOf(a.shape);
  const header = npyHeader(descr, a.shape);
  const body = new Uint8Array(n * size);
  const dv = new DataView(body.buffer);
  switch (a.dtype) {
    case 'str': {
      const cps = [...(a.text ?? '')].map((c) => c.codePointAt(0)!);
      cps.forEach((cp, i) => dv.setUint32(4 * i, cp, true));
      break;
    }
    case 'i64':
      for (let i = 0; i < n; i++) dv.setBigInt64(8 * i, BigInt(Math.round(a.data[i])), true);
      break;
    case 'u64':
      for (let i = 0; i < n; i++) dv.setBigUint64(8 * i, BigInt(Math.round(a.data[i])), true);
      break;
    case 'f64':
      for (let i = 0; i < n; i++) dv.setFloat64(8 * i, a.data[i], true);
      break;
    case 'bool':
      for (let i = 0; i < n; i++) body[i] = a.data[i] ? 1 : 0;
      break;
    default: {
      const src = a.data;
      const expected = a.dtype === 'c64' ? 2 * n : n;
      if (src.length !== expected)
        throw new Error(`writeNpy: ${a.dtype} array of shape ${shapeStr(a.shape)} has ${src.length} values`);
      body.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    }
  }
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

export function writeNpz(arrays: Record<string, NdArray>, opts: NpzWriteOptions = {}): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [k, a] of Object.entries(arrays)) files[`${k}.npy`] = writeNpy(a);
  // A fixed timestamp makes the bytes depend on the arrays only (reproducible exports).
  return zipSync(files, { level: opts.compress ? 6 : 0, mtime: '1980-01-01T00:00:00' });
}
