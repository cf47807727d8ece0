/**
 * .npy decoding (specs/npz.md), one decoder per dtype kind. Reading converts to the app's dtypes: float64/float16 →
 * float32 (float64 kept under the scan-coordinate keys), complex128 → complex64 (interleaved re, im), int64/uint64 →
 * exact doubles (range-checked to ±2^53), bool → 0/1, numpy unicode/bytes scalars → strings; Fortran-order arrays are
 * reordered to C order and big-endian data byte-swapped. Sizes are checked against the cap and the bytes present
 * before any allocation.
 */
import { PtychoError } from '../errors';
import { sizeOf, shapeStr, type DType, type NdArray } from './ndarray';
import {
  corrupt,
  DEFAULT_MAX,
  FLOAT64_KEYS,
  parseDescr,
  parseHeader,
  type DTypeInfo,
  type Header,
  type NpzReadOptions,
} from './npy';

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

/** What every per-kind decoder reads from. */
interface DecodeInput {
  dv: DataView;
  n: number;
  le: boolean;
  dt: DTypeInfo;
  h: Header;
  where: string;
  notes: string[];
}

/** Numeric data before the Fortran reorder; `comps` numbers per element. */
interface Decoded {
  dtype: DType;
  data: NdArray['data'];
  comps: number;
}

/** float16/32/64 → float32. */
function decodeFloat({ dv, n, le, dt, notes }: DecodeInput): Decoded {
  const out = new Float32Array(n);
  if (dt.size === 4) for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, le);
  else if (dt.size === 8) {
    for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, le);
    notes.push('float64 → float32');
  } else {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, le));
    notes.push('float16 → float32');
  }
  return { dtype: 'f32', data: out, comps: 1 };
}

/** float64 kept as float64 (scan coordinates); a Fortran-order array carries only the reorder note. */
function decodeFloat64Kept({ dv, n, le, h, notes }: DecodeInput): NdArray {
  const o64 = new Float64Array(n);
  for (let i = 0; i < n; i++) o64[i] = dv.getFloat64(8 * i, le);
  if (h.fortran && h.shape.length > 1) {
    return { dtype: 'f64', shape: h.shape, data: fortranToC(o64, h.shape, 1), notes: ['Fortran order → C order'] };
  }
  return notes.length
    ? { dtype: 'f64', shape: h.shape, data: o64, notes }
    : { dtype: 'f64', shape: h.shape, data: o64 };
}

/** complex64/128 → complex64 (interleaved re, im). */
function decodeComplex({ dv, n, le, dt, notes }: DecodeInput): Decoded {
  const out = new Float32Array(2 * n);
  if (dt.size === 8) for (let i = 0; i < 2 * n; i++) out[i] = dv.getFloat32(4 * i, le);
  else {
    for (let i = 0; i < 2 * n; i++) out[i] = dv.getFloat64(8 * i, le);
    notes.push('complex128 → complex64');
  }
  return { dtype: 'c64', data: out, comps: 2 };
}

/** int64/uint64 → exact doubles, refused beyond ±2^53. */
function decodeInt64({ dv, n, le, dt, where }: DecodeInput): Decoded {
  const signed = dt.kind === 'i';
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
  return { dtype: signed ? 'i64' : 'u64', data: out, comps: 1 };
}

/** 1-, 2- and 4-byte integers keep their width and signedness. */
function decodeSmallInt({ dv, n, le, dt }: DecodeInput): Decoded {
  const signed = dt.kind === 'i';
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
  return { dtype: `${dt.kind}${dt.size * 8}` as DType, data: out, comps: 1 };
}

/** bool → 0/1. */
function decodeBool({ dv, n }: DecodeInput): Decoded {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = dv.getUint8(i) ? 1 : 0;
  return { dtype: 'bool', data: out, comps: 1 };
}

/** One numpy unicode (UTF-32, NUL-terminated) or bytes (UTF-8) element. */
function decodeString({ dv, le, dt, where }: DecodeInput, i: number): string {
  if (dt.kind === 'S') {
    const raw = new Uint8Array(dv.buffer, dv.byteOffset + i * dt.size, dt.size);
    const end = raw.indexOf(0);
    return new TextDecoder('utf-8').decode(end >= 0 ? raw.subarray(0, end) : raw);
  }
  let s = '';
  for (let c = 0; c < dt.size / 4; c++) {
    const cp = dv.getUint32(i * dt.size + 4 * c, le);
    if (cp === 0) break;
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      throw corrupt(where, `unicode string at flat index ${i} holds invalid code point 0x${cp.toString(16)}`);
    }
    s += String.fromCodePoint(cp);
  }
  return s;
}

/** Unicode/bytes arrays → a `str` array: a scalar's text, or a JSON array of strings. */
function decodeStrings(input: DecodeInput): NdArray {
  const { n, h, notes } = input;
  const strs: string[] = [];
  for (let i = 0; i < n; i++) strs.push(decodeString(input, i));
  const arr: NdArray = {
    dtype: 'str',
    shape: h.shape,
    data: new Uint8Array(0),
    text: n === 1 ? strs[0] : JSON.stringify(strs),
  };
  if (notes.length) arr.notes = notes;
  return arr;
}

/** The numeric decoder for a dtype kind. */
function decodeNumeric(input: DecodeInput): Decoded {
  switch (input.dt.kind) {
    case 'f':
      return decodeFloat(input);
    case 'c':
      return decodeComplex(input);
    case 'i':
    case 'u':
      return input.dt.size === 8 ? decodeInt64(input) : decodeSmallInt(input);
    default:
      return decodeBool(input);
  }
}

/** Parse and size-check the header: the declared data fit the cap and equal the bytes present. */
function checkedInput(bytes: Uint8Array, where: string, opts: NpzReadOptions): DecodeInput {
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
  const notes: string[] = [];
  if (!dt.little && dt.size > 1 && dt.kind !== 'U' && dt.kind !== 'S') notes.push(`big-endian ${h.descr} byte-swapped`);
  return { dv, n, le: dt.little, dt, h, where, notes };
}

/** Decode one NPY file. */
export function readNpy(bytes: Uint8Array, key: string, opts: NpzReadOptions = {}): NdArray {
  const file = opts.fileName ?? '<memory>';
  const input = checkedInput(bytes, `${file}, key "${key}"`, opts);
  const { dt, h, notes } = input;
  if (dt.kind === 'U' || dt.kind === 'S') return decodeStrings(input);
  if (dt.kind === 'f' && dt.size === 8 && (opts.float64Keys ?? FLOAT64_KEYS).includes(key)) {
    return decodeFloat64Kept(input);
  }
  const decoded = decodeNumeric(input);
  let data = decoded.data;
  if (h.fortran && h.shape.length > 1) {
    data = fortranToC(data as Float32Array, h.shape, decoded.comps);
    notes.push('Fortran order → C order');
  }
  const arr: NdArray = { dtype: decoded.dtype, shape: h.shape, data };
  if (notes.length) arr.notes = notes;
  return arr;
}
