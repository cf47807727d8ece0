import { PtychoError } from '../errors';
import type { NdArray } from './ndarray';
import type { RawData } from './rawData';
import { assertFiniteScales, generateGroups, type GroupingOptions } from './grouping';
import { bilinearTaps } from '../numerics/bilinear';

/**
 * The model-ready tensors of a grouped scan (specs/data_contract.md), channels-first as the PyTorch path feeds them:
 *   X (B, C, N, N)               normalised diffraction amplitude: X = normScale · diffraction[nn]
 *   coordsOffsets (B, 1, 1, 2)   group centroid [x, y]
 *   coordsRelative (B, C, 1, 2)  centroid − position (reference local_offset_sign = −1)
 * normScale = float32(sqrt((N/2)² / mean_{b,c} Σ_hw d²)) computed in float64 (ptycho/raw_data.normalize_data),
 * physicsScale S = sqrt(nphotons / mean_{b,c} Σ_hw X²) (helper.derive_intensity_scale_from_amplitudes).
 */
export interface GroupedData {
  B: number;
  C: number;
  N: number;
  nnIndices: Int32Array;
  coordsOffsets: Float64Array;
  coordsRelative: Float32Array;
  coordsStartOffsets: Float64Array;
  coordsStartRelative: Float32Array;
  X: Float32Array;
  normScale: number;
  physicsScale: number;
  nphotons: number;
  /** (B, C, N, N) complex64 ground-truth patches, from Y or objectGuess, when available. */
  Y?: Float32Array;
  warnings: string[];
}

/** Centroids and centroid − position for groups (B, C) of points. */
export function relativeCoords(
  xs: Float64Array,
  ys: Float64Array,
  groups: Int32Array,
  C: number,
): { offsets: Float64Array; relative: Float32Array } {
  const B = groups.length / C;
  const offsets = new Float64Array(B * 2);
  const relative = new Float32Array(B * C * 2);
  for (let b = 0; b < B; b++) {
    let cx = 0,
      cy = 0;
    for (let c = 0; c < C; c++) {
      cx += xs[groups[b * C + c]];
      cy += ys[groups[b * C + c]];
    }
    cx /= C;
    cy /= C;
    offsets[2 * b] = cx;
    offsets[2 * b + 1] = cy;
    for (let c = 0; c < C; c++) {
      relative[2 * (b * C + c)] = cx - xs[groups[b * C + c]];
      relative[2 * (b * C + c) + 1] = cy - ys[groups[b * C + c]];
    }
  }
  return { offsets, relative };
}

/** float32(sqrt((N/2)² / mean over patterns of Σ d²)) in float64 (normalize_data). */
export function normalizationScale(patterns: ArrayLike<number>, count: number, N: number): number {
  let s = 0;
  for (let i = 0; i < patterns.length; i++) s += patterns[i] * patterns[i];
  return Math.fround(Math.sqrt((N / 2) ** 2 / (s / count)));
}

/** sqrt(nphotons / mean over patterns of Σ X²). */
export function physicsScale(X: ArrayLike<number>, count: number, nphotons: number): number {
  let s = 0;
  for (let i = 0; i < X.length; i++) s += X[i] * X[i];
  return Math.sqrt(nphotons / (s / count));
}

/**
 * Patches (n, N, N) complex cut from the object with patch pixel (N/2, N/2) at object (row = y, col = x),
 * bilinear for sub-pixel centres, zeros outside the object.
 */
export function extractObjectPatches(obj: NdArray, cx: Float64Array, cy: Float64Array, N: number): Float32Array {
  const [H, W] = obj.shape;
  const o = obj.data as Float32Array;
  const out = new Float32Array(2 * cx.length * N * N);
  for (let p = 0; p < cx.length; p++)
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        const sy = cy[p] - N / 2 + i,
          sx = cx[p] - N / 2 + j;
        const y0 = Math.floor(sy),
          x0 = Math.floor(sx),
          fy = sy - y0,
          fx = sx - x0;
        let re = 0,
          im = 0;
        for (const [dy, dx, w] of bilinearTaps(fy, fx)) {
          const yy = y0 + dy,
            xx = x0 + dx;
          if (yy < 0 || xx < 0 || yy >= H || xx >= W || w === 0) continue;
          re += w * o[2 * (yy * W + xx)];
          im += w * o[2 * (yy * W + xx) + 1];
        }
        out[2 * ((p * N + i) * N + j)] = re;
        out[2 * ((p * N + i) * N + j) + 1] = im;
      }
  return out;
}

export function buildContainer(raw: RawData, groups: Int32Array, C: number, opts: { nphotons: number }): GroupedData {
  const N = raw.N;
  const B = groups.length / C;
  if (!(opts.nphotons > 0))
    throw new PtychoError(
      'config',
      `nphotons=${opts.nphotons} must be > 0`,
      'set nphotons to the expected counts per pattern, e.g. 1e9',
    );
  const d = raw.diffraction.data as Float32Array;
  const NN = N * N;
  const gathered = new Float32Array(B * C * NN);
  for (let k = 0; k < B * C; k++) gathered.set(d.subarray(groups[k] * NN, (groups[k] + 1) * NN), k * NN);
  const normScale = normalizationScale(gathered, B * C, N);
  const X = new Float32Array(gathered.length);
  for (let i = 0; i < X.length; i++) X[i] = Math.fround(normScale * gathered[i]);
  const rel = relativeCoords(raw.xcoords, raw.ycoords, groups, C);
  const relStart = relativeCoords(raw.xcoordsStart, raw.ycoordsStart, groups, C);
  let Y: Float32Array | undefined;
  if (raw.Y) {
    const yd = raw.Y.data as Float32Array;
    Y = new Float32Array(2 * B * C * NN);
    for (let k = 0; k < B * C; k++) Y.set(yd.subarray(2 * groups[k] * NN, 2 * (groups[k] + 1) * NN), 2 * k * NN);
  } else if (raw.objectGuess) {
    // Each member's patch centred at its own position (the reference's get_image_patches point-reflects through
    // the centroid at gridsize > 1, which we do not copy).
    const px = Float64Array.from(groups, (g) => raw.xcoords[g]);
    const py = Float64Array.from(groups, (g) => raw.ycoords[g]);
    Y = extractObjectPatches(raw.objectGuess, px, py, N);
  }
  const S = physicsScale(X, B * C, opts.nphotons);
  // Blank patterns in every drawn group would give normalize_scale = ∞ and S = NaN: refuse, naming them.
  assertFiniteScales(normScale, S, { B, C, nphotons: opts.nphotons });
  return {
    B,
    C,
    N,
    nnIndices: groups,
    coordsOffsets: rel.offsets,
    coordsRelative: rel.relative,
    coordsStartOffsets: relStart.offsets,
    coordsStartRelative: relStart.relative,
    X,
    normScale,
    physicsScale: S,
    nphotons: opts.nphotons,
    Y,
    warnings: [],
  };
}

export function groupScan(raw: RawData, opts: GroupingOptions & { nphotons: number }): GroupedData {
  const g = generateGroups(raw.xcoords, raw.ycoords, opts);
  const c = buildContainer(raw, g.indices, g.C, opts);
  c.warnings.push(...g.warnings);
  return c;
}
