/**
 * Synthetic objects (complex transmission, amplitude ≤ 1) for simulated scans: the reference's 'lines' and 'grf'
 * (ptycho/diffsim.py, with the phase it derives from the amplitude), and for the quality benchmark a smooth random
 * field and a sparse high-contrast object whose phases are independent of their amplitudes. Float64 maths,
 * interleaved complex64 out, all seeded.
 */
import { fft2 } from './fftCpu';
import { gaussianFilter } from './filters';
import type { NdArray } from './ndarray';
import { Rng } from '../numerics/random';

/** skimage.draw.line-style Bresenham segment (both endpoints included). */
function drawLine(img: Float64Array, W: number, r0: number, c0: number, r1: number, c1: number): void {
  const dc = Math.abs(c1 - c0),
    dr = -Math.abs(r1 - r0);
  const sc = c0 < c1 ? 1 : -1,
    sr = r0 < r1 ? 1 : -1;
  let err = dc + dr;
  for (;;) {
    img[r0 * W + c0] = 1;
    if (r0 === r1 && c0 === c1) return;
    const e2 = 2 * err;
    if (e2 >= dr) {
      err += dr;
      c0 += sc;
    }
    if (e2 <= dc) {
      err += dc;
      r0 += sr;
    }
  }
}

/** The phase the reference derives from an amplitude when set_phi: π·tanh((A − max/2)/(3·mean)). */
function setPhi(amp: Float64Array): Float64Array {
  let mx = 0,
    mean = 0;
  for (const v of amp) {
    mx = Math.max(mx, v);
    mean += v;
  }
  mean /= amp.length;
  return amp.map((v) => Math.PI * Math.tanh((v - mx / 2) / (3 * mean)));
}

export function complexObject(amp: Float64Array, phase: Float64Array | null, H: number, W: number): NdArray {
  const data = new Float32Array(2 * H * W);
  for (let i = 0; i < H * W; i++) {
    const p = phase ? phase[i] : 0;
    data[2 * i] = amp[i] * Math.cos(p);
    data[2 * i + 1] = amp[i] * Math.sin(p);
  }
  return { dtype: 'c64', shape: [H, W], data };
}

/**
 * diffsim.mk_lines_img on a 2·size canvas, cropped to the central size×size as sim_object_image does:
 * `nlines` random segments, gf(σ1) + 2·gf(σ5) + 5·gf(σ10). Amplitude normalised to max 1 (ours; the reference
 * rescales later); phase from set_phi when `setPhi` (default true, so the example has phase contrast).
 */
export function linesObject(size: number, opts: { nlines?: number; seed?: number; setPhi?: boolean } = {}): NdArray {
  const rng = new Rng(opts.seed ?? 1);
  const big = 2 * size;
  const nlines = opts.nlines ?? Math.round(400 * ((2 * size) / 784) ** 2) + 20;
  const img = new Float64Array(big * big);
  for (let l = 0; l < nlines; l++) {
    const p = [0, 0, 0, 0].map(() => Math.floor(big * rng.uniform()));
    drawLine(img, big, p[0], p[1], p[2], p[3]);
  }
  const g1 = gaussianFilter(img, big, big, 1),
    g5 = gaussianFilter(img, big, big, 5),
    g10 = gaussianFilter(img, big, big, 10);
  const o = Math.floor(size / 2);
  const amp = new Float64Array(size * size);
  let mx = 0;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const k = (y + o) * big + x + o;
      mx = Math.max(mx, (amp[y * size + x] = g1[k] + 2 * g5[k] + 5 * g10[k]));
    }
  for (let i = 0; i < amp.length; i++) amp[i] /= mx || 1;
  return complexObject(amp, opts.setPhi === false ? null : setPhi(amp), size, size);
}

/** Gaussian random field with power spectrum k^−α on a size/2 grid, min–max normalised, resized, smoothed σ 1. */
export function grfObject(size: number, opts: { seed?: number; alpha?: number; setPhi?: boolean } = {}): NdArray {
  const rng = new Rng(opts.seed ?? 1);
  const n = Math.max(4, Math.floor(size / 2));
  const alpha = opts.alpha ?? 0.4;
  const spec = new Float64Array(2 * n * n);
  for (let v = 0; v < n; v++)
    for (let u = 0; u < n; u++) {
      const fy = v <= n / 2 ? v : v - n,
        fx = u <= n / 2 ? u : u - n;
      const k = Math.hypot(fx, fy);
      const a = k === 0 ? 0 : Math.sqrt(k ** -alpha);
      spec[2 * (v * n + u)] = a * rng.normal();
      spec[2 * (v * n + u) + 1] = a * rng.normal();
    }
  const field = fft2(spec, n, n, { inverse: true });
  const small = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) small[i] = field[2 * i];
  let lo = Infinity,
    hi = -Infinity;
  for (const v of small) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  for (let i = 0; i < small.length; i++) small[i] = (small[i] - lo) / (hi - lo || 1);
  const big = new Float64Array(size * size);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const sy = Math.min(n - 1, ((y + 0.5) * n) / size - 0.5),
        sx = Math.min(n - 1, ((x + 0.5) * n) / size - 0.5);
      const y0 = Math.max(0, Math.floor(sy)),
        x0 = Math.max(0, Math.floor(sx));
      const y1 = Math.min(n - 1, y0 + 1),
        x1 = Math.min(n - 1, x0 + 1);
      const fy = Math.max(0, sy - y0),
        fx = Math.max(0, sx - x0);
      big[y * size + x] =
        (1 - fy) * ((1 - fx) * small[y0 * n + x0] + fx * small[y0 * n + x1]) +
        fy * ((1 - fx) * small[y1 * n + x0] + fx * small[y1 * n + x1]);
    }
  const amp = gaussianFilter(big, size, size, 1);
  return complexObject(amp, opts.setPhi === false ? null : setPhi(amp), size, size);
}

/** Min–max normalise in place to [lo, hi]. */
function rescale(v: Float64Array, lo: number, hi: number): Float64Array {
  let a = Infinity,
    b = -Infinity;
  for (const x of v) {
    a = Math.min(a, x);
    b = Math.max(b, x);
  }
  for (let i = 0; i < v.length; i++) v[i] = lo + ((hi - lo) * (v[i] - a)) / (b - a || 1);
  return v;
}

/** White Gaussian noise smoothed by a Gaussian of σ = `correlation` pixels. */
function smoothNoise(size: number, correlation: number, rng: Rng): Float64Array {
  const white = Float64Array.from({ length: size * size }, () => rng.normal());
  return gaussianFilter(white, size, size, correlation);
}

/**
 * A smooth random field: amplitude in [0.3, 1] and an independent phase in [−1, 1] rad, each white noise smoothed
 * by a Gaussian of σ = `correlation` pixels (default 4: features about the size of a small probe).
 */
export function smoothObject(size: number, opts: { seed?: number; correlation?: number } = {}): NdArray {
  const rng = new Rng(opts.seed ?? 1);
  const c = opts.correlation ?? 4;
  const amp = rescale(smoothNoise(size, c, rng), 0.3, 1);
  const phase = rescale(smoothNoise(size, c, rng), -1, 1);
  return complexObject(amp, phase, size, size);
}

/**
 * A sparse, high-contrast object: a clear background (amplitude 1, phase 0) with random soft-edged particles
 * (radius 2–6 px, edge σ 0.7 px) covering about `coverage` of the area (default 0.15), each absorbing to an
 * amplitude of 0.15–0.4 and shifting the phase by 0.5–1.5 rad.
 */
export function sparseObject(size: number, opts: { seed?: number; coverage?: number } = {}): NdArray {
  const rng = new Rng(opts.seed ?? 1);
  const coverage = opts.coverage ?? 0.15;
  const amp = new Float64Array(size * size).fill(1);
  const phase = new Float64Array(size * size);
  let area = 0;
  while (area < coverage * size * size) {
    const r = rng.range(2, 6),
      cx = rng.range(0, size),
      cy = rng.range(0, size);
    const a = rng.range(0.15, 0.4),
      dphi = rng.range(0.5, 1.5);
    area += Math.PI * r * r;
    const lo = (v: number) => Math.max(0, Math.floor(v - r - 3)),
      hi = (v: number) => Math.min(size - 1, Math.ceil(v + r + 3));
    for (let y = lo(cy); y <= hi(cy); y++)
      for (let x = lo(cx); x <= hi(cx); x++) {
        // Soft edge: the particle's share of the pixel, a logistic in the distance to its rim.
        const w = 1 / (1 + Math.exp((Math.hypot(x - cx, y - cy) - r) / 0.7));
        amp[y * size + x] = Math.min(amp[y * size + x], 1 - w * (1 - a));
        phase[y * size + x] = Math.max(phase[y * size + x], w * dphi);
      }
  }
  return complexObject(amp, phase, size, size);
}
