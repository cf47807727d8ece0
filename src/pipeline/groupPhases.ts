/**
 * Group phase alignment before stitching. A group's diffraction fixes its object only up to a constant phase: the
 * physics loss is blind to it, so a network trained group by group may give neighbouring groups different offsets,
 * and the stitched phase becomes a slowly varying mosaic (specs/reconstruction.md). What ties the groups together is
 * their overlap: where two groups' patches cover the same object pixels they must agree. This module estimates one
 * phase offset per group from those overlaps — the weighted least-squares solution of θ_g − θ_h ≈ arg Σ A_g·conj(A_h)
 * over overlapping pairs (a graph Laplacian solved by conjugate gradients, one global solve, no local maxima) — and
 * measures how well a stitched object explains the measured diffraction, so the engine can keep the alignment only
 * when the data agree with it (src/model/alignedStitch.ts).
 *
 * A_g is group g's contribution to the barycentric stitch (src/gpu/ops/stitch.ts): its members' central
 * `mt × mt` crops splatted bilinearly at their scan positions with the probe-intensity weights q.
 */
import { bilinearTaps } from '../numerics/bilinear';
import { extractObjectPatches } from './container';
import { fft2 } from './fftCpu';
import { c64, type NdArray } from './ndarray';

export interface GroupLayout {
  /** Groups and members per group: patches are (G·C, N, N), group-major. */
  G: number;
  C: number;
  N: number;
  /** (G·C, 2) scan positions [x, y] of the members, object pixels. */
  positions: Float64Array;
  /** Central crop side the stitch uses (N/2 for barycentric). */
  mt: number;
  /** (mt, mt) crop weights (|probe|² over the crop). */
  q: Float64Array | Float32Array;
}

/** A group's splatted contribution on the object-pixel grid: a dense box at (x0, y0). */
interface GroupImage {
  x0: number;
  y0: number;
  w: number;
  h: number;
  re: Float64Array;
  im: Float64Array;
  /** Σ |A|². */
  energy: number;
}

function groupImage(patches: Float32Array, L: GroupLayout, g: number): GroupImage {
  const { C, N, positions: pos, mt, q } = L;
  const off = N / 2 - mt / 2;
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (let m = 0; m < C; m++) {
    const p = g * C + m;
    minX = Math.min(minX, pos[2 * p]);
    maxX = Math.max(maxX, pos[2 * p]);
    minY = Math.min(minY, pos[2 * p + 1]);
    maxY = Math.max(maxY, pos[2 * p + 1]);
  }
  const x0 = Math.floor(minX - mt / 2),
    y0 = Math.floor(minY - mt / 2);
  const w = Math.ceil(maxX + mt / 2) - x0 + 2,
    h = Math.ceil(maxY + mt / 2) - y0 + 2;
  const re = new Float64Array(w * h),
    im = new Float64Array(w * h);
  for (let m = 0; m < C; m++) {
    const p = g * C + m;
    // Crop pixel (i, j) of the patch at (x, y) splats to object (x − mt/2 + j, y − mt/2 + i), as the stitch does.
    const cx = pos[2 * p] - mt / 2 - x0,
      cy = pos[2 * p + 1] - mt / 2 - y0;
    const bx = Math.floor(cx),
      by = Math.floor(cy);
    const taps = bilinearTaps(cy - by, cx - bx);
    for (let i = 0; i < mt; i++)
      for (let j = 0; j < mt; j++) {
        const k = 2 * ((p * N + off + i) * N + off + j);
        for (const [dy, dx, wb] of taps) {
          const t = (by + i + dy) * w + bx + j + dx;
          const f = wb * q[i * mt + j];
          re[t] += f * patches[k];
          im[t] += f * patches[k + 1];
        }
      }
  }
  let energy = 0;
  for (let t = 0; t < w * h; t++) energy += re[t] ** 2 + im[t] ** 2;
  return { x0, y0, w, h, re, im, energy };
}

/** Σ A_a · conj(A_b) over the boxes' intersection. */
function overlap(a: GroupImage, b: GroupImage): [number, number] {
  const xs = Math.max(a.x0, b.x0),
    xe = Math.min(a.x0 + a.w, b.x0 + b.w);
  const ys = Math.max(a.y0, b.y0),
    ye = Math.min(a.y0 + a.h, b.y0 + b.h);
  let re = 0,
    im = 0;
  for (let y = ys; y < ye; y++)
    for (let x = xs; x < xe; x++) {
      const i = (y - a.y0) * a.w + x - a.x0,
        j = (y - b.y0) * b.w + x - b.x0;
      re += a.re[i] * b.re[j] + a.im[i] * b.im[j];
      im += a.im[i] * b.re[j] - a.re[i] * b.im[j];
    }
  return [re, im];
}

/** Pairs of groups whose boxes intersect (a uniform grid of box-sized cells; each pair once). */
function overlappingPairs(imgs: GroupImage[]): [number, number][] {
  const cell = Math.max(1, ...imgs.map((b) => Math.max(b.w, b.h)));
  const cells = new Map<string, number[]>();
  imgs.forEach((b, g) => {
    const k = `${Math.floor(b.x0 / cell)},${Math.floor(b.y0 / cell)}`;
    (cells.get(k) ?? cells.set(k, []).get(k)!).push(g);
  });
  const pairs: [number, number][] = [];
  imgs.forEach((a, g) => {
    const cx = Math.floor(a.x0 / cell),
      cy = Math.floor(a.y0 / cell);
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++)
        for (const h of cells.get(`${cx + dx},${cy + dy}`) ?? []) {
          if (h <= g) continue;
          const b = imgs[h];
          if (a.x0 < b.x0 + b.w && b.x0 < a.x0 + a.w && a.y0 < b.y0 + b.h && b.y0 < a.y0 + a.h) pairs.push([g, h]);
        }
  });
  return pairs;
}

/** Conjugate gradients on Lθ = b for the weighted graph Laplacian of `edges`. */
function solveLaplacian(G: number, edges: { g: number; h: number; w: number; phi: number }[]): Float64Array {
  const diag = new Float64Array(G),
    b = new Float64Array(G);
  for (const e of edges) {
    diag[e.g] += e.w;
    diag[e.h] += e.w;
    b[e.g] += e.w * e.phi;
    b[e.h] -= e.w * e.phi;
  }
  // L is singular (each connected component's constant is free) but b lies in its range (every edge adds +w·φ to
  // one end and −w·φ to the other), so CG from zero converges to the solution with zero mean per component.
  const apply = (x: Float64Array) => {
    const y = new Float64Array(G);
    for (let g = 0; g < G; g++) y[g] = diag[g] * x[g];
    for (const e of edges) {
      y[e.g] -= e.w * x[e.h];
      y[e.h] -= e.w * x[e.g];
    }
    return y;
  };
  const dot = (u: Float64Array, v: Float64Array) => u.reduce((s, x, i) => s + x * v[i], 0);
  const theta = new Float64Array(G);
  const r = b.slice(),
    p = b.slice();
  let rr = dot(r, r);
  const stop = 1e-24 * Math.max(rr, 1e-300);
  for (let it = 0; it < 4 * G && rr > stop; it++) {
    const Ap = apply(p);
    const alpha = rr / dot(p, Ap);
    for (let g = 0; g < G; g++) {
      theta[g] += alpha * p[g];
      r[g] -= alpha * Ap[g];
    }
    const rn = dot(r, r);
    for (let g = 0; g < G; g++) p[g] = r[g] + (rn / rr) * p[g];
    rr = rn;
  }
  return theta;
}

/**
 * The phase correction of every group (radians; multiply group g's patches by e^{iθ_g}) that makes overlapping
 * groups agree, with the energy-weighted mean correction zero (the network's overall phase is kept).
 */
export function groupPhaseCorrections(patches: Float32Array, L: GroupLayout): Float64Array {
  if (patches.length !== L.G * L.C * L.N * L.N * 2)
    throw new Error(`groupPhaseCorrections: ${patches.length / 2} complex values for ${L.G}×${L.C}×${L.N}²`);
  const imgs = Array.from({ length: L.G }, (_, g) => groupImage(patches, L, g));
  const edges = overlappingPairs(imgs).flatMap(([g, h]) => {
    const [re, im] = overlap(imgs[g], imgs[h]);
    const w = Math.hypot(re, im);
    // Offsets o_g with A_g ∝ e^{i o_g}: arg(A_g conj A_h) ≈ o_g − o_h; the correction is −o.
    return w > 0 ? [{ g, h, w, phi: Math.atan2(im, re) }] : [];
  });
  const o = solveLaplacian(L.G, edges);
  let sr = 0,
    si = 0;
  imgs.forEach((b, g) => {
    sr += b.energy * Math.cos(o[g]);
    si += b.energy * Math.sin(o[g]);
  });
  const mean = Math.atan2(si, sr);
  return o.map((v) => Math.atan2(Math.sin(mean - v), Math.cos(mean - v)));
}

/** Group g's patches × e^{i·f·θ_g} (a new array). */
export function rotateGroups(patches: Float32Array, L: GroupLayout, theta: Float64Array, f = 1): Float32Array {
  const out = new Float32Array(patches.length);
  const per = L.C * L.N * L.N;
  for (let g = 0; g < L.G; g++) {
    const c = Math.cos(f * theta[g]),
      s = Math.sin(f * theta[g]);
    for (let k = g * per; k < (g + 1) * per; k++) {
      const re = patches[2 * k],
        im = patches[2 * k + 1];
      out[2 * k] = re * c - im * s;
      out[2 * k + 1] = re * s + im * c;
    }
  }
  return out;
}

/** A stitched object on the object-pixel grid (complex, interleaved) with its overlap weights. */
export interface StitchedObject {
  object: Float32Array;
  weights: Float32Array;
  width: number;
  height: number;
  origin: [number, number];
}

/**
 * How badly a stitched object explains the measured diffraction: mean over the scan positions whose probe footprint
 * the object covers (weights ≥ 5 % of their maximum wherever |probe|² ≥ 1 % of its peak) of
 * Σ (s·|fftshift(FFT(probe · crop))|/N − measured)², with the one scale s that fits best (the data's own scale is
 * not assumed). `diffraction` is (M, N, N) amplitude, DC centred, as the scan stores it. At most `maxPositions`
 * evenly spaced positions are used. Returns NaN when no position is covered.
 */
export function diffractionMisfit(
  obj: StitchedObject,
  probe: Float32Array,
  xcoords: Float64Array,
  ycoords: Float64Array,
  diffraction: NdArray,
  maxPositions = 256,
): number {
  const N = diffraction.shape[1];
  const meas = diffraction.data as Float32Array;
  let pmax = 0,
    wmax = 0;
  for (let k = 0; k < N * N; k++) pmax = Math.max(pmax, probe[2 * k] ** 2 + probe[2 * k + 1] ** 2);
  for (const v of obj.weights) wmax = Math.max(wmax, v);
  if (!(wmax > 0)) return NaN;
  const covered = (x: number, y: number) => {
    for (let r = 0; r < N; r++)
      for (let c = 0; c < N; c++) {
        const k = r * N + c;
        if (probe[2 * k] ** 2 + probe[2 * k + 1] ** 2 < 0.01 * pmax) continue;
        const X = Math.round(x - N / 2 + c - obj.origin[0]),
          Y = Math.round(y - N / 2 + r - obj.origin[1]);
        if (X < 0 || Y < 0 || X >= obj.width || Y >= obj.height || obj.weights[Y * obj.width + X] < 0.05 * wmax)
          return false;
      }
    return true;
  };
  const M = xcoords.length;
  const chosen: number[] = [];
  for (let i = 0; i < M; i++) if (covered(xcoords[i], ycoords[i])) chosen.push(i);
  const step = Math.max(1, chosen.length / maxPositions);
  const use = Array.from({ length: Math.min(maxPositions, chosen.length) }, (_, k) => chosen[Math.floor(k * step)]);
  if (use.length === 0) return NaN;
  const canvas = c64([obj.height, obj.width], obj.object);
  const cx = Float64Array.from(use, (i) => xcoords[i] - obj.origin[0]);
  const cy = Float64Array.from(use, (i) => ycoords[i] - obj.origin[1]);
  const crops = extractObjectPatches(canvas, cx, cy, N);
  const model = new Float64Array(use.length * N * N);
  const psi = new Float64Array(2 * N * N);
  let sab = 0,
    saa = 0,
    sbb = 0;
  use.forEach((m, u) => {
    for (let k = 0; k < N * N; k++) {
      const or = crops[2 * (u * N * N + k)],
        oi = crops[2 * (u * N * N + k) + 1];
      psi[2 * k] = probe[2 * k] * or - probe[2 * k + 1] * oi;
      psi[2 * k + 1] = probe[2 * k] * oi + probe[2 * k + 1] * or;
    }
    const F = fft2(psi, N, N);
    for (let r = 0; r < N; r++)
      for (let c = 0; c < N; c++) {
        // fftshift: model pixel (r, c) is FFT bin ((r + N/2) mod N, (c + N/2) mod N).
        const k = ((r + N / 2) % N) * N + ((c + N / 2) % N);
        const a = Math.hypot(F[2 * k], F[2 * k + 1]) / N;
        const b = meas[(m * N + r) * N + c];
        model[u * N * N + r * N + c] = a;
        sab += a * b;
        saa += a * a;
        sbb += b * b;
      }
  });
  const s = saa > 0 ? sab / saa : 0;
  // Σ (s·a − b)² = s²·Σa² − 2s·Σab + Σb² = Σb² − s·Σab at the best s.
  return Math.max(0, sbb - s * sab) / use.length;
}
