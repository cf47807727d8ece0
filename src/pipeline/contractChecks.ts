/**
 * Checks shared by the data-contract readers (src/pipeline/contract.ts, specs/data_contract.md): contract refusals,
 * finite values, real → complex promotion, scan positions that are all one point, and scan positions against the
 * objectGuess canvas.
 */
import { PtychoError } from '../errors';
import { shapeStr, sizeOf, type NdArray } from './ndarray';

/** A contract refusal naming the file. */
export function fail(file: string, message: string, hint: string): never {
  throw new PtychoError('contract', `${file}: ${message}`, hint);
}

/** Real numbers (not text, not complex). */
export function numeric(a: NdArray): boolean {
  return a.dtype !== 'str' && a.dtype !== 'c64';
}

export function toFloat64(a: NdArray): Float64Array {
  return a.data instanceof Float64Array ? a.data : Float64Array.from(a.data as ArrayLike<number>);
}

/** Refuse NaN/Inf, naming the key and the flat index. */
export function checkFinite(file: string, key: string, a: NdArray): void {
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

/** Real → complex64 (imaginary part 0); `promoted` says whether it was real. */
export function toComplex(a: NdArray): { arr: NdArray; promoted: boolean } {
  if (a.dtype === 'c64') return { arr: a, promoted: false };
  const n = sizeOf(a.shape);
  const z = new Float32Array(2 * n);
  const d = a.data as ArrayLike<number>;
  for (let i = 0; i < n; i++) z[2 * i] = d[i];
  return { arr: { dtype: 'c64', shape: a.shape, data: z }, promoted: true };
}

const fmt = (v: number) =>
  Number.isInteger(v)
    ? String(v)
    : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6
      ? v.toExponential(3)
      : String(+v.toFixed(3));

/**
 * Scan positions against the objectGuess canvas (specs/data_contract.md: xcoords/ycoords are object pixels, x = column,
 * y = row, 0-based from the top-left corner; the N×N patch is centred on the position). A position whose N×N
 * footprint misses the H×W canvas entirely sees none of objectGuess. The reference trains without objectGuess, so
 * such a scan would still train, but positions far off the object almost always mean a unit mistake (metres, not
 * pixels) or a centre-origin convention: all off the canvas → refused; some → a warning.
 */
export function checkPositionsOnObject(
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

/**
 * Scan positions that are all the same point: every pattern lights the same patch, so nothing overlaps and only that
 * patch can be reconstructed. Almost always a units or export mistake (metres rounded to integer pixels, a constant
 * column saved), but a deliberate repeated measurement is possible, so a warning, not a refusal. The one check for
 * every reader of a scan (inspect, group, train and the UI all go through toRawData).
 */
export function checkDistinctPositions(x: Float64Array, y: Float64Array, warnings: string[]): void {
  for (let i = 1; i < x.length; i++) if (x[i] !== x[0] || y[i] !== y[0]) return;
  warnings.push(
    `all ${x.length} scan positions are identical ("xcoords" = ${fmt(x[0])}, "ycoords" = ${fmt(y[0])}): every pattern lights the same patch, so the patterns do not overlap and only that patch can be reconstructed; if unexpected, check that xcoords/ycoords hold one position per pattern in object pixels (not metres rounded or cast to integers)`,
  );
}
