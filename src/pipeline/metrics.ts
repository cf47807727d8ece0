/**
 * Reconstruction quality against a ground-truth object (the figures the PtychoPINN papers report):
 * amplitude and phase SSIM, PSNR and FRC on the scanned region, after removing the global phase offset
 * (φ₀ = arg Σ truth·conj(recon)) and fitting the amplitude scale (least squares s = Σ a_r a_t / Σ a_r²).
 * All float64. Images are complex, interleaved (re, im), row-major (H, W).
 */
import { gaussianFilter } from './filters';

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

export type FrcThreshold = 'half-bit' | 0.5;

export interface FrcResult {
  /** FRC per ring r = 0 … floor(S/2) − 1 (S = square side used). */
  curve: number[];
  threshold: number[];
  thresholdKind: FrcThreshold;
  /** First ring (≥ 1) where FRC drops below the threshold, as spatial frequency in cycles/pixel; null if never. */
  cutoffFrequency: number | null;
  /** Resolution = 1 / cutoffFrequency in pixels (null when FRC never crosses). */
  resolutionPx: number | null;
}

export interface ImageMetrics {
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
  return {
    amplitude: imageMetrics(ampR, ampT, W, H, thr),
    phase: imageMetrics(phR, phT, W, H, thr),
    phaseOffset,
    amplitudeScale,
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
    phR[i] = Math.atan2(im, re);
    phT[i] = Math.atan2(ti[i], tr[i]);
    num += ampR[i] * ampT[i];
    den += ampR[i] * ampR[i];
  }
  const amplitudeScale = den > 0 ? num / den : 1;
  for (let i = 0; i < n; i++) ampR[i] *= amplitudeScale;
  return { ampR, ampT, phR, phT, phaseOffset, amplitudeScale };
}

function imageMetrics(x: Float64Array, ref: Float64Array, W: number, H: number, thr: FrcThreshold): ImageMetrics {
  return { ssim: ssim(x, ref, W, H), psnr: psnr(x, ref), frc: frc(x, ref, W, H, thr) };
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

/** Separable float64 DFT of a real S×S image → interleaved complex (O(S³); metric images are small). */
function dft2Real(img: Float64Array, S: number): Float64Array {
  const cos = new Float64Array(S),
    sin = new Float64Array(S);
  for (let k = 0; k < S; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / S);
    sin[k] = -Math.sin((2 * Math.PI * k) / S);
  }
  const re = Float64Array.from(img),
    im = new Float64Array(S * S);
  const tr = new Float64Array(S),
    ti = new Float64Array(S);
  const pass = (base: number, stride: number) => {
    for (let u = 0; u < S; u++) {
      let a = 0,
        b = 0;
      for (let j = 0; j < S; j++) {
        const kk = (u * j) % S;
        const xr = re[base + j * stride],
          xi = im[base + j * stride];
        a += xr * cos[kk] - xi * sin[kk];
        b += xr * sin[kk] + xi * cos[kk];
      }
      tr[u] = a;
      ti[u] = b;
    }
    for (let u = 0; u < S; u++) {
      re[base + u * stride] = tr[u];
      im[base + u * stride] = ti[u];
    }
  };
  for (let r = 0; r < S; r++) pass(r * S, 1);
  for (let c = 0; c < S; c++) pass(c, S);
  const out = new Float64Array(2 * S * S);
  for (let i = 0; i < S * S; i++) {
    out[2 * i] = re[i];
    out[2 * i + 1] = im[i];
  }
  return out;
}

/**
 * Fourier ring correlation between x and ref on their central S×S square (S = min(W, H)), each mean-subtracted
 * and Hann-windowed (suppresses the edge cross that otherwise correlates any two images).
 * Thresholds: 'half-bit' (van Heel & Schatz 2005: (0.2071 + 1.9102/√n)/(1.2071 + 0.9102/√n), n = pixels in the
 * ring) or the fixed 0.5 ("FRC50").
 */
export function frc(
  x: ArrayLike<number>,
  ref: ArrayLike<number>,
  W: number,
  H: number,
  kind: FrcThreshold = 'half-bit',
): FrcResult {
  const S = Math.min(W, H);
  const ox = Math.floor((W - S) / 2),
    oy = Math.floor((H - S) / 2);
  const prep = (src: ArrayLike<number>) => {
    const img = new Float64Array(S * S);
    let m = 0;
    for (let y = 0; y < S; y++) for (let c = 0; c < S; c++) m += img[y * S + c] = src[(y + oy) * W + c + ox];
    m /= S * S;
    for (let y = 0; y < S; y++)
      for (let c = 0; c < S; c++) {
        const w = Math.sin((Math.PI * (y + 0.5)) / S) ** 2 * Math.sin((Math.PI * (c + 0.5)) / S) ** 2;
        img[y * S + c] = (img[y * S + c] - m) * w;
      }
    return dft2Real(img, S);
  };
  const F1 = prep(x),
    F2 = prep(ref);
  const rings = Math.floor(S / 2);
  const num = new Float64Array(rings),
    d1 = new Float64Array(rings),
    d2 = new Float64Array(rings),
    cnt = new Float64Array(rings);
  for (let v = 0; v < S; v++)
    for (let u = 0; u < S; u++) {
      const fy = v <= S / 2 ? v : v - S;
      const fx = u <= S / 2 ? u : u - S;
      const r = Math.round(Math.hypot(fx, fy));
      if (r >= rings) continue;
      const i = 2 * (v * S + u);
      num[r] += F1[i] * F2[i] + F1[i + 1] * F2[i + 1];
      d1[r] += F1[i] ** 2 + F1[i + 1] ** 2;
      d2[r] += F2[i] ** 2 + F2[i + 1] ** 2;
      cnt[r]++;
    }
  const curve: number[] = [],
    threshold: number[] = [];
  let cutoff: number | null = null;
  for (let r = 0; r < rings; r++) {
    const c = d1[r] > 0 && d2[r] > 0 ? num[r] / Math.sqrt(d1[r] * d2[r]) : 0;
    const t = kind === 0.5 ? 0.5 : (0.2071 + 1.9102 / Math.sqrt(cnt[r])) / (1.2071 + 0.9102 / Math.sqrt(cnt[r]));
    curve.push(c);
    threshold.push(t);
    if (cutoff === null && r >= 1 && c < t) cutoff = r;
  }
  const cutoffFrequency = cutoff === null ? null : cutoff / S;
  return {
    curve,
    threshold,
    thresholdKind: kind,
    cutoffFrequency,
    resolutionPx: cutoffFrequency ? 1 / cutoffFrequency : null,
  };
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
