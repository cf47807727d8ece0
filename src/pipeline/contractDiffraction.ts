/**
 * The diffraction part of the data contract (specs/data_contract.md): `diff3d` or `diffraction`, laid out as
 * (M, N, N) — a trailing singleton channel squeezed, the legacy (N, N, M) layout transposed — finite, non-negative,
 * not all zero, and the counts verdict: integer-valued data (an integer dtype, or a maximum ≥ COUNTS_MIN_MAX) are
 * photon counts and become amplitudes sqrt(counts).
 */
import { shapeStr, type NdArray } from './ndarray';
import { fail, numeric } from './contractChecks';

/** Integer-valued data with a maximum at least this large are taken as photon counts (intensity). */
export const COUNTS_MIN_MAX = 20;

/** Diffraction: diff3d (RawData.from_file) or diffraction (docs / newer tools); both only when they agree. */
function diffractionKey(file: string, arrays: Record<string, NdArray>, warnings: string[]): string {
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
    return 'diff3d';
  }
  return arrays.diff3d ? 'diff3d' : 'diffraction';
}

/** The diffraction array in (M, N, N) layout: a trailing channel squeezed, legacy (N, N, M) transposed. */
interface DiffractionLayout {
  key: string;
  d: NdArray;
  data: ArrayLike<number>;
  N: number;
}

function diffractionLayout(
  file: string,
  arrays: Record<string, NdArray>,
  M: number,
  warnings: string[],
): DiffractionLayout {
  const key = diffractionKey(file, arrays, warnings);
  const d = arrays[key];
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
  return { key, d, data, N: shape[1] };
}

/** Finite, non-negative, not all zero; whether every value is an integer, and the maximum. */
function diffractionValues(file: string, { key, d, data }: DiffractionLayout, M: number, n: number) {
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
  return { integer, max };
}

/** A warning when some patterns hold no signal. */
function warnZeroPatterns({ key, data, N }: DiffractionLayout, M: number, warnings: string[]): void {
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
}

/** Diffraction as float32 amplitudes (M, N, N), with the counts verdict: integer data → sqrt(counts). */
export function readDiffraction(file: string, arrays: Record<string, NdArray>, M: number, warnings: string[]) {
  const layout = diffractionLayout(file, arrays, M, warnings);
  const { key, d, data, N } = layout;
  const n = M * N * N;
  const { integer, max } = diffractionValues(file, layout, M, n);
  warnZeroPatterns(layout, M, warnings);
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
  return { key, N, amp, verdict };
}
