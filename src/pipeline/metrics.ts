/**
 * Reconstruction quality against a ground-truth object (the figures the PtychoPINN papers report, and the quality
 * benchmark's): amplitude and phase Pearson r (on the well-lit pixels), SSIM, PSNR and FRC (src/pipeline/frc.ts; on
 * the box around the well-lit pixels), after removing the global phase offset (φ₀ = arg Σ truth·conj(recon)) and
 * fitting the amplitude scale (least squares s = Σ a_r a_t / Σ a_r²). The reconstructed phase is compared on the 2π
 * branch nearest the truth's (φ_t + wrap(φ_r − φ_t)), so a wrap at ±π is not counted as an error of 2π. A
 * reconstruction whose amplitude varies by less than 1 % of the truth's (std over the well-lit pixels, after the
 * scale fit) is "collapsed": a flat amplitude. All float64. Images are complex, interleaved (re, im), row-major (H, W).
 */
import { gaussianFilter } from './filters';
import { frc, type FrcResult, type FrcThreshold } from './frc';

export interface ComplexImage {
  data: Float32Array | Float64Array;
  height: number;
  width: number;
}

export interface Region {
  /** Top-left corner and size in reconstruction-canvas pixels. */
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/** Below this ratio of amplitude std (reconstruction / truth) a reconstruction counts as collapsed (flat). */
export const COLLAPSE_STD_RATIO = 0.01;

export interface ImageMetrics {
  /** Pearson correlation with the truth. */
  r: number;
  ssim: number;
  psnr: number;
  frc: FrcResult;
}

export interface ReconstructionMetrics {
  amplitude: ImageMetrics;
  phase: ImageMetrics;
  /** Global phase removed from the reconstruction (radians). */
  phaseOffset: number;
  /** Factor applied to the reconstructed amplitude. */
  amplitudeScale: number;
  /** std of the (scaled) reconstructed amplitude over the truth's, on the region. */
  amplitudeStdRatio: number;
  /** The amplitude is flat: amplitudeStdRatio < COLLAPSE_STD_RATIO. */
  collapsed: boolean;
  /** Region compared, in reconstruction-canvas pixels. */
  region: Region;
}

/**
 * Evaluate `recon` (a canvas whose pixel (0, 0) sits at object pixel `origin` = [x, y]) against `truth` on the
 * scanned region: canvas pixels whose overlap weight ≥ `weightFraction`·max (default 0.1) and that fall inside
 * the truth image; their bounding box is compared.
 */
export function evaluateReconstruction(
  recon: ComplexImage,
  origin: readonly [number, number],
  truth: ComplexImage,
  opts: { weights?: Float32Array | Float64Array; weightFraction?: number; frcThreshold?: FrcThreshold } = {},
): ReconstructionMetrics {
  const ox = Math.round(origin[0]);
  const oy = Math.round(origin[1]);
  const region = comparedRegion(recon, ox, oy, truth, opts);
  const { x0, y0, width: W, height: H } = region;
  if (W < 8 || H < 8) throw new Error(`evaluateReconstruction: compared region ${W}×${H} is too small (needs ≥ 8×8)`);
  const rr = new Float64Array(W * H),
    ri = new Float64Array(W * H),
    tr = new Float64Array(W * H),
    ti = new Float64Array(W * H);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const a = 2 * ((y + y0) * recon.width + (x + x0));
      const b = 2 * ((y + y0 + oy) * truth.width + (x + x0 + ox));
      rr[i] = recon.data[a];
      ri[i] = recon.data[a + 1];
      tr[i] = truth.data[b];
      ti[i] = truth.data[b + 1];
    }
  const { ampR, ampT, phR, phT, phaseOffset, amplitudeScale } = alignToTruth(rr, ri, tr, ti);
  const thr = opts.frcThreshold ?? 'half-bit';
  const lit = wellLit(region, recon.width, opts);
  const amplitudeStdRatio = std(pick(ampR, lit)) / std(pick(ampT, lit));
  return {
    amplitude: imageMetrics(ampR, ampT, W, H, thr, lit),
    phase: imageMetrics(phR, phT, W, H, thr, lit),
    phaseOffset,
    amplitudeScale,
    amplitudeStdRatio,
    collapsed: !(amplitudeStdRatio >= COLLAPSE_STD_RATIO),
    region,
  };
}

/**
 * The canvas region compared: the overlap of the canvas with the truth image, narrowed to the bounding box of pixels
 * whose overlap weight ≥ `weightFraction`·max when weights are given (and some pixel passes).
 */
function comparedRegion(
  recon: ComplexImage,
  ox: number,
  oy: number,
  truth: ComplexImage,
  opts: { weights?: Float32Array | Float64Array; weightFraction?: number },
): Region {
  let x0 = Math.max(0, -ox);
  let y0 = Math.max(0, -oy);
  let x1 = Math.min(recon.width, truth.width - ox);
  let y1 = Math.min(recon.height, truth.height - oy);
  if (opts.weights) {
    let wmax = 0;
    for (const w of opts.weights) wmax = Math.max(wmax, w);
    const thr = (opts.weightFraction ?? 0.1) * wmax;
    let bx0 = Infinity,
      by0 = Infinity,
      bx1 = -Infinity,
      by1 = -Infinity;
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++)
        if (opts.weights[y * recon.width + x] >= thr && thr > 0) {
          bx0 = Math.min(bx0, x);
          by0 = Math.min(by0, y);
          bx1 = Math.max(bx1, x + 1);
          by1 = Math.max(by1, y + 1);
        }
    if (bx1 > bx0) {
      x0 = bx0;
      y0 = by0;
      x1 = bx1;
      y1 = by1;
    }
  }
  return { x0, y0, width: x1 - x0, height: y1 - y0 };
}

/** Remove the global phase (φ₀ = arg Σ t·conj(r)) and fit the amplitude scale; amplitudes and phases of both. */
function alignToTruth(rr: Float64Array, ri: Float64Array, tr: Float64Array, ti: Float64Array) {
  // Global phase: φ₀ = arg Σ t·conj(r); recon·e^{iφ₀} best matches truth.
  let sr = 0,
    si = 0;
  for (let i = 0; i < rr.length; i++) {
    sr += tr[i] * rr[i] + ti[i] * ri[i];
    si += ti[i] * rr[i] - tr[i] * ri[i];
  }
  const phaseOffset = Math.atan2(si, sr);
  const c = Math.cos(phaseOffset),
    s = Math.sin(phaseOffset);
  const n = rr.length;
  const ampR = new Float64Array(n),
    ampT = new Float64Array(n),
    phR = new Float64Array(n),
    phT = new Float64Array(n);
  let num = 0,
    den = 0;
  for (let i = 0; i < n; i++) {
    const re = rr[i] * c - ri[i] * s;
    const im = rr[i] * s + ri[i] * c;
    ampR[i] = Math.hypot(re, im);
    ampT[i] = Math.hypot(tr[i], ti[i]);
    phT[i] = Math.atan2(ti[i], tr[i]);
    const d = Math.atan2(im, re) - phT[i];
    phR[i] = phT[i] + Math.atan2(Math.sin(d), Math.cos(d));
    num += ampR[i] * ampT[i];
    den += ampR[i] * ampR[i];
  }
  const amplitudeScale = den > 0 ? num / den : 1;
  for (let i = 0; i < n; i++) ampR[i] *= amplitudeScale;
  return { ampR, ampT, phR, phT, phaseOffset, amplitudeScale };
}

/**
 * The well-lit pixels of the region (weight ≥ `weightFraction`·max; all of it without weights): Pearson r and the
 * collapse test look at these only, as the box around them includes the scan's dimly lit corners.
 */
function wellLit(
  region: Region,
  canvasWidth: number,
  opts: { weights?: Float32Array | Float64Array; weightFraction?: number },
): Int32Array {
  const { x0, y0, width: W, height: H } = region;
  const all = Int32Array.from({ length: W * H }, (_, i) => i);
  if (!opts.weights) return all;
  let wmax = 0;
  for (const w of opts.weights) wmax = Math.max(wmax, w);
  const thr = (opts.weightFraction ?? 0.1) * wmax;
  return all.filter((i) => opts.weights![(y0 + Math.floor(i / W)) * canvasWidth + x0 + (i % W)] >= thr);
}

function pick(v: Float64Array, at: Int32Array): Float64Array {
  return Float64Array.from(at, (i) => v[i]);
}

function imageMetrics(
  x: Float64Array,
  ref: Float64Array,
  W: number,
  H: number,
  thr: FrcThreshold,
  lit: Int32Array,
): ImageMetrics {
  return {
    r: pearson(pick(x, lit), pick(ref, lit)),
    ssim: ssim(x, ref, W, H),
    psnr: psnr(x, ref),
    frc: frc(x, ref, W, H, thr),
  };
}

function std(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m += v[i];
  m /= v.length;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] - m) ** 2;
  return Math.sqrt(s / v.length);
}

function dataRange(ref: ArrayLike<number>): number {
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < ref.length; i++) {
    lo = Math.min(lo, ref[i]);
    hi = Math.max(hi, ref[i]);
  }
  return hi - lo || 1;
}

/** PSNR in dB with the truth's data range (max − min) as peak (skimage convention). */
export function psnr(x: ArrayLike<number>, ref: ArrayLike<number>, range = dataRange(ref)): number {
  let mse = 0;
  for (let i = 0; i < ref.length; i++) mse += (x[i] - ref[i]) ** 2;
  mse /= ref.length;
  return mse === 0 ? Infinity : 10 * Math.log10((range * range) / mse);
}

/**
 * SSIM (Wang et al. 2004): Gaussian window σ = 1.5 (radius 5), K1 = 0.01, K2 = 0.03, L = truth's data range,
 * population covariances, mean of the SSIM map over the interior (a 5-px border dropped) — as skimage's
 * structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=L).
 */
export function ssim(
  x: ArrayLike<number>,
  ref: ArrayLike<number>,
  W: number,
  H: number,
  range = dataRange(ref),
): number {
  const a = Float64Array.from(x as ArrayLike<number>);
  const b = Float64Array.from(ref as ArrayLike<number>);
  const mul = (p: Float64Array, q: Float64Array) => p.map((v, i) => v * q[i]);
  const g = (img: Float64Array) => gaussianFilter(img, H, W, 1.5, 3.5);
  const mx = g(a),
    my = g(b);
  const sxx = g(mul(a, a)),
    syy = g(mul(b, b)),
    sxy = g(mul(a, b));
  const C1 = (0.01 * range) ** 2,
    C2 = (0.03 * range) ** 2;
  const pad = 5;
  let sum = 0,
    n = 0;
  for (let y = pad; y < H - pad; y++)
    for (let x0 = pad; x0 < W - pad; x0++) {
      const i = y * W + x0;
      const vx = sxx[i] - mx[i] * mx[i],
        vy = syy[i] - my[i] * my[i],
        cxy = sxy[i] - mx[i] * my[i];
      sum += ((2 * mx[i] * my[i] + C1) * (2 * cxy + C2)) / ((mx[i] ** 2 + my[i] ** 2 + C1) * (vx + vy + C2));
      n++;
    }
  return sum / n;
}

/** Pearson correlation coefficient of two equally long samples (NaN when either is constant). */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (b.length !== n) throw new Error(`pearson: ${n} vs ${b.length} values`);
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
