/**
 * Float64 CPU FFTs — the reference the GPU kernels are tested against and the simulator's engine.
 * Complex data are interleaved (re, im) Float64Arrays. Forward unnormalised, inverse scaled 1/n (numpy).
 * Powers of two use iterative radix-2; other sizes use Bluestein's chirp-z through a power-of-two FFT.
 */
/** cos / sin of 2πk/n for k < n/2, per power-of-two n (the butterflies' twiddles, computed once). */
const twiddleTables = new Map<number, { cos: Float64Array; sin: Float64Array }>();

function twiddles(n: number): { cos: Float64Array; sin: Float64Array } {
  let t = twiddleTables.get(n);
  if (!t) {
    t = { cos: new Float64Array(n / 2), sin: new Float64Array(n / 2) };
    for (let k = 0; k < n / 2; k++) {
      t.cos[k] = Math.cos((2 * Math.PI * k) / n);
      t.sin[k] = Math.sin((2 * Math.PI * k) / n);
    }
    twiddleTables.set(n, t);
  }
  return t;
}

function radix2(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  const tw = twiddles(n);
  const sign = inverse ? 1 : -1;
  for (let len = 2; len <= n; len <<= 1) {
    const step = n / len;
    for (let i = 0; i < n; i += len)
      for (let k = 0; k < len / 2; k++) {
        const wr = tw.cos[k * step],
          wi = sign * tw.sin[k * step];
        const a = i + k,
          b = a + len / 2;
        const xr = re[b] * wr - im[b] * wi,
          xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
  }
}

function bluestein(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const n = re.length;
  let m = 1;
  while (m < 2 * n - 1) m <<= 1;
  const s = inverse ? 1 : -1;
  const cr = new Float64Array(n),
    ci = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = (s * Math.PI * ((k * k) % (2 * n))) / n;
    cr[k] = Math.cos(a);
    ci[k] = Math.sin(a);
  }
  const ar = new Float64Array(m),
    ai = new Float64Array(m),
    br = new Float64Array(m),
    bi = new Float64Array(m);
  for (let k = 0; k < n; k++) {
    ar[k] = re[k] * cr[k] - im[k] * ci[k];
    ai[k] = re[k] * ci[k] + im[k] * cr[k];
  }
  br[0] = cr[0];
  bi[0] = -ci[0];
  for (let k = 1; k < n; k++) {
    br[k] = br[m - k] = cr[k];
    bi[k] = bi[m - k] = -ci[k];
  }
  radix2(ar, ai, false);
  radix2(br, bi, false);
  for (let k = 0; k < m; k++) {
    const r = ar[k] * br[k] - ai[k] * bi[k];
    ai[k] = ar[k] * bi[k] + ai[k] * br[k];
    ar[k] = r;
  }
  radix2(ar, ai, true);
  for (let k = 0; k < n; k++) {
    const r = ar[k] / m,
      i = ai[k] / m;
    re[k] = r * cr[k] - i * ci[k];
    im[k] = r * ci[k] + i * cr[k];
  }
}

/** In-place 1-D FFT of (re, im) of any length (unnormalised; inverse without the 1/n). */
export function fft1d(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n <= 1) return;
  if ((n & (n - 1)) === 0) radix2(re, im, inverse);
  else bluestein(re, im, inverse);
}

/**
 * In-place 1-D FFT of the strided line of interleaved complex `data` whose element j is at data[2·(base + j·stride)]:
 * gathered into (re, im) (their length = the line's), transformed, scattered back.
 */
function fftStridedLine(
  data: Float64Array,
  base: number,
  stride: number,
  re: Float64Array,
  im: Float64Array,
  inverse: boolean,
): void {
  for (let j = 0; j < re.length; j++) {
    re[j] = data[2 * (base + j * stride)];
    im[j] = data[2 * (base + j * stride) + 1];
  }
  fft1d(re, im, inverse);
  for (let j = 0; j < re.length; j++) {
    data[2 * (base + j * stride)] = re[j];
    data[2 * (base + j * stride) + 1] = im[j];
  }
}

/** 2-D FFT over the last two axes of `batch` H×W images (interleaved complex). Returns a new array. */
export function fft2(data: ArrayLike<number>, H: number, W: number, opts: { inverse?: boolean } = {}): Float64Array {
  const inverse = !!opts.inverse;
  const out = Float64Array.from(data as ArrayLike<number>);
  const images = out.length / (2 * H * W);
  const rowR = new Float64Array(W),
    rowI = new Float64Array(W),
    colR = new Float64Array(H),
    colI = new Float64Array(H);
  for (let b = 0; b < images; b++) {
    const o = b * H * W; // the image's first element (complex index)
    for (let r = 0; r < H; r++) fftStridedLine(out, o + r * W, 1, rowR, rowI, inverse);
    for (let c = 0; c < W; c++) fftStridedLine(out, o + c, W, colR, colI, inverse);
  }
  if (inverse) for (let i = 0; i < out.length; i++) out[i] /= H * W;
  return out;
}

/** numpy fftshift over the last two axes; `comps` = 1 (real) or 2 (interleaved complex). */
export function fftshift2(data: ArrayLike<number>, H: number, W: number, comps = 2, inverse = false): Float64Array {
  const out = new Float64Array(data.length);
  const images = data.length / (H * W * comps);
  const sh = inverse ? H - Math.floor(H / 2) : Math.floor(H / 2);
  const sw = inverse ? W - Math.floor(W / 2) : Math.floor(W / 2);
  for (let b = 0; b < images; b++)
    for (let r = 0; r < H; r++)
      for (let c = 0; c < W; c++) {
        const i = (b * H + r) * W + c;
        const j = (b * H + ((r + sh) % H)) * W + ((c + sw) % W);
        for (let k = 0; k < comps; k++) out[j * comps + k] = data[i * comps + k];
      }
  return out;
}

export function ifftshift2(data: ArrayLike<number>, H: number, W: number, comps = 2): Float64Array {
  return fftshift2(data, H, W, comps, true);
}

/** O(H²W²) direct DFT, for tests. */
export function dft2Naive(data: ArrayLike<number>, H: number, W: number, inverse = false): Float64Array {
  const out = new Float64Array(data.length);
  const images = data.length / (2 * H * W);
  const s = inverse ? 1 : -1;
  for (let b = 0; b < images; b++) {
    const o = 2 * b * H * W;
    for (let u = 0; u < H; u++)
      for (let v = 0; v < W; v++) {
        let re = 0,
          im = 0;
        for (let r = 0; r < H; r++)
          for (let c = 0; c < W; c++) {
            const a = s * 2 * Math.PI * ((u * r) / H + (v * c) / W);
            const xr = data[o + 2 * (r * W + c)],
              xi = data[o + 2 * (r * W + c) + 1];
            re += xr * Math.cos(a) - xi * Math.sin(a);
            im += xr * Math.sin(a) + xi * Math.cos(a);
          }
        out[o + 2 * (u * W + v)] = inverse ? re / (H * W) : re;
        out[o + 2 * (u * W + v) + 1] = inverse ? im / (H * W) : im;
      }
  }
  return out;
}
