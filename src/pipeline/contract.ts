import { PtychoError } from '../errors';
import { shapeStr, sizeOf, type NdArray } from './ndarray';
import type { RawData } from './rawData';

/**
 * The PtychoPINN raw-scan data contract (specs/data_contract.md; digest §1): named arrays → a canonical RawData
 * or a clear error naming the file, the key, the shape seen and the fix.
 * Required: xcoords, ycoords (M,), diffraction as `diff3d` or `diffraction` (M, N, N), probeGuess (N, N).
 * Optional: objectGuess (H, W), scan_index (M,), xcoords_start / ycoords_start (M,), Y (M, N, N), _metadata (JSON).
 * Canonicalised: legacy (N, N, M) diffraction → (M, N, N), a trailing singleton channel squeezed, count
 * intensities → amplitudes (sqrt) with a warning, real probe/object → complex, float64/complex128 already
 * downcast by the reader.
 */
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

/** Integer-valued data with a maximum at least this large are taken as photon counts (intensity). */
export const COUNTS_MIN_MAX = 20;

/** Fewer scan positions than this cannot be grouped or trained on (and have no meaningful extent). */
export const MIN_POSITIONS = 2;

function fail(file: string, message: string, hint: string): never {
  throw new PtychoError('contract', `${file}: ${message}`, hint);
}

function numeric(a: NdArray): boolean {
  return a.dtype !== 'str' && a.dtype !== 'c64';
}

function toFloat64(a: NdArray): Float64Array {
  return a.data instanceof Float64Array ? a.data : Float64Array.from(a.data as ArrayLike<number>);
}

function checkFinite(file: string, key: string, a: NdArray): void {
  const d = a.data as ArrayLike<number>;
  for (let i = 0; i < d.length; i++) {
    if (!Number.isFinite(d[i])) {
      const idx = a.dtype === 'c64' ? Math.floor(i / 2) : i;
      fail(
        file,
        `key "${key}" ${shapeStr(a.shape)} holds ${d[i]} at flat index ${idx}`,
        `replace NaN/Inf values (e.g. np.nan_to_num) before saving "${key}"`,
      );
    }
  }
}

function toComplex(a: NdArray): { arr: NdArray; promoted: boolean } {
  if (a.dtype === 'c64') return { arr: a, promoted: false };
  const n = sizeOf(a.shape);
  const z = new Float32Array(2 * n);
  const d = a.data as ArrayLike<number>;
  for (let i = 0; i < n; i++) z[2 * i] = d[i];
  return { arr: { dtype: 'c64', shape: a.shape, data: z }, promoted: true };
}

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

const fmt = (v: number) =>
  Number.isInteger(v)
    ? String(v)
    : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6
      ? v.toExponential(3)
      : String(+v.toFixed(3));

/**
 * Scan positions against the objectGuess canvas (digest §1.4: xcoords/ycoords are object pixels, x = column,
 * y = row, 0-based from the top-left corner; the N×N patch is centred on the position). A position whose N×N
 * footprint misses the H×W canvas entirely sees none of objectGuess. The reference trains without objectGuess, so
 * such a scan would still train, but positions far off the object almost always mean a unit mistake (metres, not
 * pixels) or a centre-origin convention: all off the canvas → refused; some → a warning.
 */
function checkPositionsOnObject(
  file: string,
  x: Float64Array,
  y: Float64Array,
  N: number,
  H: number,
  W: number,
  warnings: string[],
): void {
  const h = N / 2;
  const M = x.length;
  let outside = 0,
    outX = 0,
    outY = 0;
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (let i = 0; i < M; i++) {
    const offX = x[i] + h <= 0 || x[i] - h >= W;
    const offY = y[i] + h <= 0 || y[i] - h >= H;
    if (offX) outX++;
    if (offY) outY++;
    if (offX || offY) outside++;
    x0 = Math.min(x0, x[i]);
    x1 = Math.max(x1, x[i]);
    y0 = Math.min(y0, y[i]);
    y1 = Math.max(y1, y[i]);
  }
  if (!outside) return;
  const keys = outX && outY ? '"xcoords"/"ycoords"' : outX ? '"xcoords"' : '"ycoords"';
  const seen = `"xcoords" range [${fmt(x0)}, ${fmt(x1)}], "ycoords" range [${fmt(y0)}, ${fmt(y1)}]`;
  const canvas = `objectGuess (${H}, ${W}) (positions whose ${N}×${N} patch touches it: x in (${fmt(-h)}, ${fmt(W + h)}), y in (${fmt(-h)}, ${fmt(H + h)}))`;
  const units =
    'xcoords/ycoords are objectGuess pixels, not metres (or µm, nm): divide physical positions by the object pixel size';
  const likely =
    (x0 < 0 && x1 > 0) || (y0 < 0 && y1 > 0)
      ? `the positions look centred on 0 (negative and positive values), but pixels count from the top-left corner of objectGuess (x = column, y = row): add W/2 = ${fmt(W / 2)} to xcoords and H/2 = ${fmt(H / 2)} to ycoords (Ptychodus: x_px = (x_m - center_x_m) / pixel_width_m + W/2); ${units}`
      : `${units}, with x = column and y = row counted from the top-left corner of objectGuess (not its centre: x_px = (x_m - center_x_m) / pixel_width_m + W/2); check that x and y are not swapped`;
  if (outside === M) {
    fail(
      file,
      `every scan position lies off the objectGuess canvas: ${keys} put all ${M} ${N}×${N} probe footprints outside ${canvas}; ${seen}`,
      `${likely}; or leave objectGuess out if it is not on the scan's grid`,
    );
  }
  warnings.push(
    `${outside} of ${M} scan positions lie off the objectGuess canvas (${keys}; ${seen}; ${canvas}): their patches see none of objectGuess; if unexpected, ${likely}`,
  );
}

export function toRawData(arrays: Record<string, NdArray>, opts: ContractOptions = {}): RawData {
  const file = opts.fileName ?? '<memory>';
  const warnings: string[] = [];
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

  // Diffraction: diff3d (RawData.from_file) or diffraction (docs / newer tools).
  let key = 'diff3d';
  if (arrays.diff3d && arrays.diffraction) {
    const a = arrays.diff3d.shape.join(),
      b = arrays.diffraction.shape.join();
    if (a !== b)
      fail(
        file,
        `both "diff3d" ${shapeStr(arrays.diff3d.shape)} and "diffraction" ${shapeStr(arrays.diffraction.shape)} are present and differ`,
        'keep only one diffraction array',
      );
    warnings.push('both "diff3d" and "diffraction" present; using "diff3d"');
  } else if (!arrays.diff3d) key = 'diffraction';
  let d = arrays[key];
  if (!d)
    fail(
      file,
      `no diffraction patterns: neither "diff3d" nor "diffraction" is present (keys: ${Object.keys(arrays).join(', ')})`,
      'save the patterns as diff3d=np.asarray(patterns, dtype=np.float32) of shape (M, N, N)',
    );
  if (!numeric(d))
    fail(
      file,
      `key "${key}" has dtype ${d.dtype}, expected real amplitudes or counts`,
      `save ${key} as float32 amplitudes (sqrt of counts)`,
    );
  const M = x.length;
  let shape = [...d.shape];
  if (shape.length === 4 && shape[3] === 1) {
    shape = shape.slice(0, 3);
    warnings.push(`"${key}" ${shapeStr(d.shape)}: trailing singleton channel squeezed`);
  }
  if (shape.length !== 3)
    fail(
      file,
      `key "${key}" has shape ${shapeStr(d.shape)}, expected (M, N, N) with M = ${M}`,
      `save ${key} with shape (n_patterns, N, N)`,
    );
  let data = d.data as ArrayLike<number>;
  if (shape[0] !== M && shape[2] === M && shape[0] === shape[1]) {
    // Legacy (N, N, M) layout: transpose to (M, N, N).
    const [H, W] = shape;
    const t = new Float64Array(M * H * W);
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) for (let m = 0; m < M; m++) t[(m * H + i) * W + j] = data[(i * W + j) * M + m];
    data = t;
    warnings.push(`"${key}" ${shapeStr(shape)} is in the legacy (N, N, M) layout; transposed to (M, N, N)`);
    shape = [M, H, W];
  }
  if (shape[0] !== M)
    fail(
      file,
      `key "${key}" has ${shape[0]} patterns (shape ${shapeStr(d.shape)}) but xcoords/ycoords have ${M} positions`,
      'diffraction patterns and positions must correspond one to one',
    );
  if (shape[1] !== shape[2])
    fail(
      file,
      `key "${key}" has non-square patterns ${shape[1]}×${shape[2]} (shape ${shapeStr(d.shape)})`,
      'crop or pad the patterns to N×N (e.g. N = 64) before saving',
    );
  const N = shape[1];
  const n = M * N * N;
  let integer = true;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if (!Number.isFinite(v))
      fail(
        file,
        `key "${key}" ${shapeStr(d.shape)} holds ${v} at flat index ${i}`,
        `replace NaN/Inf values (e.g. np.nan_to_num) before saving "${key}"`,
      );
    if (v < 0)
      fail(
        file,
        `key "${key}" ${shapeStr(d.shape)} holds a negative value ${v} at flat index ${i}`,
        'diffraction amplitudes and counts are non-negative: subtract backgrounds with clipping (np.clip(d, 0, None))',
      );
    if (integer && v !== Math.round(v)) integer = false;
    if (v > max) max = v;
  }
  if (max === 0) {
    fail(
      file,
      `key "${key}" ${shapeStr(d.shape)} is all zeros (max 0 over ${M} patterns): there is no signal to normalise or train on`,
      `check that "${key}" holds the measured patterns (not an empty buffer or a fully masked detector); save amplitudes or counts > 0`,
    );
  }
  let zeroPatterns = 0;
  const NN = N * N;
  for (let m = 0; m < M; m++) {
    let any = false;
    for (let k = m * NN; k < (m + 1) * NN; k++)
      if (data[k] !== 0) {
        any = true;
        break;
      }
    if (!any) zeroPatterns++;
  }
  if (zeroPatterns)
    warnings.push(
      `"${key}": ${zeroPatterns} of ${M} patterns are all zeros (no signal); drop them if the beam was off`,
    );
  const intDtype = !['f32', 'f64'].includes(d.dtype);
  const amp = new Float32Array(n);
  let verdict: 'amplitude' | 'intensity' = 'amplitude';
  if (integer && max > 0 && (intDtype || max >= COUNTS_MIN_MAX)) {
    verdict = 'intensity';
    for (let i = 0; i < n; i++) amp[i] = Math.sqrt(data[i]);
    warnings.push(
      `"${key}" looks like photon counts (integer-valued${intDtype ? ` ${d.dtype}` : ''}, max ${max}); converted to amplitude = sqrt(counts)`,
    );
  } else {
    for (let i = 0; i < n; i++) amp[i] = data[i];
  }

  // Probe.
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
  {
    const pd = p.data as ArrayLike<number>;
    let nonzero = false;
    for (let i = 0; i < pd.length; i++)
      if (pd[i] !== 0) {
        nonzero = true;
        break;
      }
    if (!nonzero)
      fail(
        file,
        `key "probeGuess" ${shapeStr(p.shape)} is all zeros: a zero probe illuminates nothing`,
        "save the probe estimate (complex64 (N, N), not an empty array) as probeGuess, e.g. from your reconstruction or the beamline's probe model",
      );
  }
  const probe = toComplex(p);
  if (probe.promoted) warnings.push('"probeGuess" is real; promoted to complex64');

  let objectGuess: NdArray | undefined;
  if (arrays.objectGuess) {
    const o = arrays.objectGuess;
    if (o.dtype === 'str' || o.shape.length !== 2)
      fail(
        file,
        `key "objectGuess" has shape ${shapeStr(o.shape)}, expected (H, W)`,
        'save objectGuess as a 2-D complex64 array, or leave it out',
      );
    checkFinite(file, 'objectGuess', o);
    const c = toComplex(o);
    if (c.promoted) warnings.push('"objectGuess" is real; promoted to complex64');
    objectGuess = c.arr;
    checkPositionsOnObject(file, x, y, N, o.shape[0], o.shape[1], warnings);
  }
  let scanIndex = new Int32Array(M);
  if (arrays.scan_index) {
    const s = arrays.scan_index;
    if (!numeric(s) || s.shape.length !== 1 || s.shape[0] !== M)
      warnings.push(`"scan_index" ${shapeStr(s.shape)} ignored: expected (${M},) integers`);
    else scanIndex = Int32Array.from(s.data as ArrayLike<number>);
  }
  const xs = coords(file, arrays, 'xcoords_start', false) ?? x;
  const ys = coords(file, arrays, 'ycoords_start', false) ?? y;
  if (xs.length !== M || ys.length !== M)
    fail(
      file,
      `"xcoords_start"/"ycoords_start" have ${xs.length}/${ys.length} entries but there are ${M} positions`,
      'save one nominal position per pattern, or leave them out',
    );
  let Y: NdArray | undefined;
  if (arrays.Y) {
    const yy = arrays.Y;
    const sh = yy.shape.length === 4 && yy.shape[3] === 1 ? yy.shape.slice(0, 3) : yy.shape;
    if (sh.length === 3 && sh[0] === M && sh[1] === N && sh[2] === N && yy.dtype !== 'str')
      Y = { ...toComplex(yy).arr, shape: sh };
    else warnings.push(`"Y" ${shapeStr(yy.shape)} ignored: expected (${M}, ${N}, ${N}) ground-truth patches`);
  }
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
    probeGuess: probe.arr,
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
