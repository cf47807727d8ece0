/**
 * Fourier ring correlation of two real images (src/pipeline/metrics.ts uses it for the amplitude and phase of a
 * reconstruction against its truth), float64, with the half-bit or the fixed 0.5 threshold.
 */
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
