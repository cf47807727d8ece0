/**
 * The PtychoPINN raw-scan data contract (specs/data_contract.md): named arrays → a canonical RawData or a clear error
 * naming the file, the key, the shape seen and the fix.
 * Required: xcoords, ycoords (M,), diffraction as `diff3d` or `diffraction` (M, N, N), probeGuess (N, N).
 * Optional: objectGuess (H, W), scan_index (M,), xcoords_start / ycoords_start (M,), Y (M, N, N), _metadata (JSON).
 * Canonicalised: legacy (N, N, M) diffraction → (M, N, N), a trailing singleton channel squeezed, count
 * intensities → amplitudes (sqrt) with a warning, real probe/object → complex, float64/complex128 already
 * downcast by the reader. One reader per part (positions, diffraction, probe, optional keys), in this order, so the
 * first refusal and the order of the warnings are fixed; the diffraction reader is in
 * contractDiffraction.ts and shared checks in contractChecks.ts.
 */
import { shapeStr, type NdArray } from './ndarray';
import type { RawData } from './rawData';
import {
  checkDistinctPositions,
  checkFinite,
  checkPositionsOnObject,
  fail,
  numeric,
  toComplex,
  toFloat64,
} from './contractChecks';
import { readDiffraction } from './contractDiffraction';

export { COUNTS_MIN_MAX } from './contractDiffraction';

export interface ContractOptions {
  fileName?: string;
}

const KNOWN = new Set([
  'xcoords',
  'ycoords',
  'xcoords_start',
  'ycoords_start',
  'diff3d',
  'diffraction',
  'probeGuess',
  'objectGuess',
  'scan_index',
  'Y',
  '_metadata',
]);

/** Fewer scan positions than this cannot be grouped or trained on (and have no meaningful extent). */
export const MIN_POSITIONS = 2;

function coords(
  file: string,
  arrays: Record<string, NdArray>,
  key: string,
  required: boolean,
): Float64Array | undefined {
  const a = arrays[key];
  if (!a) {
    if (required)
      fail(
        file,
        `required key "${key}" is missing (keys present: ${Object.keys(arrays).join(', ') || 'none'})`,
        `save the scan positions in object pixels as ${key}=np.asarray(x, dtype=np.float64) of shape (M,)`,
      );
    return undefined;
  }
  if (!numeric(a))
    fail(file, `key "${key}" has dtype ${a.dtype}, expected real numbers`, `save ${key} as float64 pixel coordinates`);
  if (a.shape.length !== 1)
    fail(
      file,
      `key "${key}" has shape ${shapeStr(a.shape)}, expected (M,)`,
      `save ${key} as a 1-D array, e.g. np.ravel(${key})`,
    );
  checkFinite(file, key, a);
  return toFloat64(a);
}

/** xcoords and ycoords: one per pattern, at least MIN_POSITIONS. */
function readPositions(file: string, arrays: Record<string, NdArray>): { x: Float64Array; y: Float64Array } {
  const x = coords(file, arrays, 'xcoords', true)!;
  const y = coords(file, arrays, 'ycoords', true)!;
  if (x.length !== y.length)
    fail(
      file,
      `"xcoords" has ${x.length} positions but "ycoords" has ${y.length}`,
      'xcoords and ycoords must have one entry per diffraction pattern',
    );
  if (x.length < MIN_POSITIONS) {
    fail(
      file,
      `"xcoords"/"ycoords" hold ${x.length} scan position${x.length === 1 ? '' : 's'}; at least ${MIN_POSITIONS} are needed`,
      'a ptychographic scan needs overlapping positions: save every scan position (one per diffraction pattern) in xcoords/ycoords',
    );
  }
  return { x, y };
}

function allZero(d: ArrayLike<number>): boolean {
  for (let i = 0; i < d.length; i++) if (d[i] !== 0) return false;
  return true;
}

/** probeGuess: a non-zero, finite N×N array on the detector grid, as complex64. */
function readProbe(file: string, arrays: Record<string, NdArray>, N: number, warnings: string[]): NdArray {
  const p = arrays.probeGuess;
  if (!p)
    fail(
      file,
      `required key "probeGuess" is missing (keys: ${Object.keys(arrays).join(', ')})`,
      'save the probe as probeGuess=np.asarray(probe, dtype=np.complex64) of shape (N, N)',
    );
  if (p.dtype === 'str') fail(file, `key "probeGuess" is a string`, 'save the probe as a complex64 (N, N) array');
  if (p.shape.length !== 2 || p.shape[0] !== p.shape[1])
    fail(
      file,
      `key "probeGuess" has shape ${shapeStr(p.shape)}, expected (N, N) = (${N}, ${N})`,
      'save a single square probe mode (for multi-mode probes, the first mode)',
    );
  if (p.shape[0] !== N)
    fail(
      file,
      `key "probeGuess" is ${p.shape[0]}×${p.shape[1]} but the diffraction patterns are ${N}×${N}`,
      'the probe must be sampled on the detector grid: resample it to N×N',
    );
  checkFinite(file, 'probeGuess', p);
  if (allZero(p.data as ArrayLike<number>))
    fail(
      file,
      `key "probeGuess" ${shapeStr(p.shape)} is all zeros: a zero probe illuminates nothing`,
      "save the probe estimate (complex64 (N, N), not an empty array) as probeGuess, e.g. from your reconstruction or the beamline's probe model",
    );
  const probe = toComplex(p);
  if (probe.promoted) warnings.push('"probeGuess" is real; promoted to complex64');
  return probe.arr;
}

/** objectGuess (H, W) as complex64, with the scan positions checked against its canvas. */
function readObject(
  file: string,
  arrays: Record<string, NdArray>,
  { x, y }: { x: Float64Array; y: Float64Array },
  N: number,
  warnings: string[],
): NdArray | undefined {
  const o = arrays.objectGuess;
  if (!o) return undefined;
  if (o.dtype === 'str' || o.shape.length !== 2)
    fail(
      file,
      `key "objectGuess" has shape ${shapeStr(o.shape)}, expected (H, W)`,
      'save objectGuess as a 2-D complex64 array, or leave it out',
    );
  checkFinite(file, 'objectGuess', o);
  const c = toComplex(o);
  if (c.promoted) warnings.push('"objectGuess" is real; promoted to complex64');
  checkPositionsOnObject(file, x, y, N, o.shape[0], o.shape[1], warnings);
  return c.arr;
}

/** scan_index (M,) integers; otherwise zeros, with a warning when present but malformed. */
function readScanIndex(arrays: Record<string, NdArray>, M: number, warnings: string[]): Int32Array {
  const s = arrays.scan_index;
  if (!s) return new Int32Array(M);
  if (!numeric(s) || s.shape.length !== 1 || s.shape[0] !== M) {
    warnings.push(`"scan_index" ${shapeStr(s.shape)} ignored: expected (${M},) integers`);
    return new Int32Array(M);
  }
  return Int32Array.from(s.data as ArrayLike<number>);
}

/** xcoords_start / ycoords_start (nominal positions), defaulting to the positions themselves. */
function readStarts(file: string, arrays: Record<string, NdArray>, x: Float64Array, y: Float64Array) {
  const M = x.length;
  const xs = coords(file, arrays, 'xcoords_start', false) ?? x;
  const ys = coords(file, arrays, 'ycoords_start', false) ?? y;
  if (xs.length !== M || ys.length !== M)
    fail(
      file,
      `"xcoords_start"/"ycoords_start" have ${xs.length}/${ys.length} entries but there are ${M} positions`,
      'save one nominal position per pattern, or leave them out',
    );
  return { xs, ys };
}

/** Y: (M, N, N) ground-truth patches as complex64 (a trailing channel squeezed), else ignored with a warning. */
function readY(arrays: Record<string, NdArray>, M: number, N: number, warnings: string[]): NdArray | undefined {
  const yy = arrays.Y;
  if (!yy) return undefined;
  const sh = yy.shape.length === 4 && yy.shape[3] === 1 ? yy.shape.slice(0, 3) : yy.shape;
  if (sh.length === 3 && sh[0] === M && sh[1] === N && sh[2] === N && yy.dtype !== 'str')
    return { ...toComplex(yy).arr, shape: sh };
  warnings.push(`"Y" ${shapeStr(yy.shape)} ignored: expected (${M}, ${N}, ${N}) ground-truth patches`);
  return undefined;
}

/** _metadata JSON, and physics_parameters.nphotons from it when positive. */
function readMetadata(arrays: Record<string, NdArray>, warnings: string[]) {
  let metadata: Record<string, unknown> | undefined;
  let nphotons: number | undefined;
  if (arrays._metadata) {
    const text = arrays._metadata.text;
    try {
      const m = JSON.parse(text ?? '');
      if (m && typeof m === 'object') {
        metadata = m;
        const np = (m as { physics_parameters?: { nphotons?: unknown } }).physics_parameters?.nphotons;
        if (typeof np === 'number' && np > 0) nphotons = np;
      }
    } catch {
      warnings.push('"_metadata" is not valid JSON; ignored');
    }
  }
  return { metadata, nphotons };
}

export function toRawData(arrays: Record<string, NdArray>, opts: ContractOptions = {}): RawData {
  const file = opts.fileName ?? '<memory>';
  const warnings: string[] = [];
  const pos = readPositions(file, arrays);
  const { x, y } = pos;
  const M = x.length;
  checkDistinctPositions(x, y, warnings);
  const { key, N, amp, verdict } = readDiffraction(file, arrays, M, warnings);
  const probeGuess = readProbe(file, arrays, N, warnings);
  const objectGuess = readObject(file, arrays, pos, N, warnings);
  const scanIndex = readScanIndex(arrays, M, warnings);
  const { xs, ys } = readStarts(file, arrays, x, y);
  const Y = readY(arrays, M, N, warnings);
  const { metadata, nphotons } = readMetadata(arrays, warnings);
  const extra = Object.keys(arrays).filter((k) => !KNOWN.has(k));
  if (extra.length) warnings.push(`ignored keys: ${extra.join(', ')}`);
  for (const k of ['xcoords', 'ycoords', 'probeGuess', 'objectGuess', key])
    for (const note of arrays[k]?.notes ?? []) warnings.push(`"${k}": ${note}`);
  return {
    source: file,
    nPatterns: M,
    N,
    xcoords: x,
    ycoords: y,
    xcoordsStart: xs,
    ycoordsStart: ys,
    diffraction: { dtype: 'f32', shape: [M, N, N], data: amp },
    probeGuess,
    objectGuess,
    scanIndex,
    Y,
    metadata,
    nphotons,
    verdict,
    warnings,
  };
}

/** RawData → the NPZ contract's keys, as Ptychodus' export_training_data and simulate_and_save write them. */
export function fromRawData(raw: RawData): Record<string, NdArray> {
  const f64 = (a: Float64Array): NdArray => ({ dtype: 'f64', shape: [a.length], data: a });
  const out: Record<string, NdArray> = {
    xcoords: f64(raw.xcoords),
    ycoords: f64(raw.ycoords),
    xcoords_start: f64(raw.xcoordsStart),
    ycoords_start: f64(raw.ycoordsStart),
    diff3d: raw.diffraction,
    probeGuess: raw.probeGuess,
    scan_index: { dtype: 'i64', shape: [raw.nPatterns], data: Float64Array.from(raw.scanIndex) },
  };
  if (raw.objectGuess) out.objectGuess = raw.objectGuess;
  if (raw.Y) out.Y = raw.Y;
  if (raw.metadata)
    out._metadata = { dtype: 'str', shape: [], data: new Uint8Array(0), text: JSON.stringify(raw.metadata) };
  return out;
}
