/**
 * The .npy codec (specs/npz.md): header parsing and writing, the dtype table, and encoding. Decoding (readNpy) is in
 * npyDecode.ts; the zip layer in zip.ts and npz.ts. Headers are checked against the bytes actually present; object
 * (pickle) arrays and structured dtypes are refused with the key and how to re-save. Writing produces NPY v1.0 headers
 * byte-identical to numpy's.
 */
import { PtychoError } from '../errors';
import { sizeOf, shapeStr, type NdArray } from './ndarray';

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

/** Default cap on decoded bytes (4 GiB). */
export const DEFAULT_MAX = 2 ** 32;
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** A damaged-file refusal (code npz-corrupt) naming the file (and key). */
export function corrupt(
  file: string,
  what: string,
  hint = 'the file is damaged or truncated: re-save it with numpy (np.savez)',
): PtychoError {
  return new PtychoError('npz-corrupt', `${file}: ${what}`, hint);
}

export interface Header {
  descr: string;
  fortran: boolean;
  shape: number[];
  dataOffset: number;
}

/** Parse the Python-literal header dict numpy writes: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), } */

export function parseHeader(bytes: Uint8Array, where: string): Header {
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

export interface DTypeInfo {
  kind: 'f' | 'c' | 'i' | 'u' | 'b' | 'U' | 'S';
  size: number;
  little: boolean;
}

export function parseDescr(descr: string, where: string): DTypeInfo {
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

/** Whether the bytes start with the NPY magic (\x93NUMPY). */
export function isNpy(b: Uint8Array): boolean {
  return b.length >= 6 && MAGIC.every((m, i) => b[i] === m);
}

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
