/**
 * Plain n-d arrays as they flow through the pipeline (specs/architecture.md §1): a typed array + a C-order shape.
 * Complex arrays are interleaved (re, im) float32 pairs: `data.length === 2 * size(shape)`.
 * These are what `npz.ts` reads and writes and what every later stage consumes.
 */
export type DType =
  | 'f32' // float32 (float64 on disk is downcast on read)
  | 'f64' // float64: scan coordinates (kept by the reader for FLOAT64_KEYS) and our own writers
  | 'c64' // complex64, interleaved re/im float32 (complex128 on disk is downcast on read)
  | 'i8'
  | 'u8'
  | 'i16'
  | 'u16'
  | 'i32'
  | 'u32'
  | 'i64' // int64 on disk: held as Float64Array after an exactness range check (|v| ≤ 2^53)
  | 'u64'
  | 'bool' // Uint8Array of 0/1
  | 'str'; // a 0-d unicode/bytes string (e.g. `_metadata`): `text` holds it, `data` is empty

export type TypedData =
  Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

export interface NdArray {
  dtype: DType;
  shape: number[];
  data: TypedData;
  /** For dtype 'str' only. */
  text?: string;
  /** Conversions done while reading (e.g. "float64 → float32"), for `inspect` and warnings. */
  notes?: string[];
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeStr(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

export function f32(shape: number[], data?: Float32Array): NdArray {
  const d = data ?? new Float32Array(sizeOf(shape));
  if (d.length !== sizeOf(shape)) throw new Error(`f32: data length ${d.length} ≠ size of ${shapeStr(shape)}`);
  return { dtype: 'f32', shape, data: d };
}

export function c64(shape: number[], data?: Float32Array): NdArray {
  const d = data ?? new Float32Array(2 * sizeOf(shape));
  if (d.length !== 2 * sizeOf(shape)) throw new Error(`c64: data length ${d.length} ≠ 2 × size of ${shapeStr(shape)}`);
  return { dtype: 'c64', shape, data: d };
}

export function i32(shape: number[], data?: Int32Array): NdArray {
  const d = data ?? new Int32Array(sizeOf(shape));
  if (d.length !== sizeOf(shape)) throw new Error(`i32: data length ${d.length} ≠ size of ${shapeStr(shape)}`);
  return { dtype: 'i32', shape, data: d };
}

export function str(text: string): NdArray {
  return { dtype: 'str', shape: [], data: new Uint8Array(0), text };
}
