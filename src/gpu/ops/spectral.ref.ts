/**
 * Float64 references of the spectral convolutions (spectral.ts), written from torch's definitions with explicit
 * DFT sums over whole spectra (full rfft bins, zero-padded out_ft, torch's irfft / irfft2), not from the GPU's
 * mode-by-mode decomposition; and their adjoints (L = Σ g·out; complex gradients ∂L/∂Re + i ∂L/∂Im, as torch).
 * Complex arrays are interleaved (re, im) Float64Arrays in C order.
 */

export interface Arr {
  shape: number[];
  data: Float64Array;
  complex: boolean;
}

const prod = (a: readonly number[]) => a.reduce((p, d) => p * d, 1);

/** A complex coefficient of a linear map along an axis: (re, im) of the weight of input l in output k. */
type Coef = (k: number, l: number) => [number, number];

/**
 * out[o, k, j] = Σ_l coef(k, l)·x[o, l, j] along `axis` (nOut outputs); real x counts as complex with zero
 * imaginary part, and a real output keeps the real part.
 */
function linAxis(x: Arr, axis: number, nOut: number, coef: Coef, outComplex: boolean): Arr {
  const outer = prod(x.shape.slice(0, axis));
  const n = x.shape[axis];
  const inner = prod(x.shape.slice(axis + 1));
  const shape = x.shape.map((d, i) => (i === axis ? nOut : d));
  const data = new Float64Array(prod(shape) * (outComplex ? 2 : 1));
  for (let o = 0; o < outer; o++)
    for (let k = 0; k < nOut; k++)
      for (let j = 0; j < inner; j++) {
        let sr = 0;
        let si = 0;
        for (let l = 0; l < n; l++) {
          const q = (o * n + l) * inner + j;
          const xr = x.complex ? x.data[2 * q] : x.data[q];
          const xi = x.complex ? x.data[2 * q + 1] : 0;
          const [cr, ci] = coef(k, l);
          sr += cr * xr - ci * xi;
          si += cr * xi + ci * xr;
        }
        const p = (o * nOut + k) * inner + j;
        if (outComplex) {
          data[2 * p] = sr;
          data[2 * p + 1] = si;
        } else data[p] = sr;
      }
  return { shape, data, complex: outComplex };
}

/** e^{sign·2πi·k·l/n} */
const cis = (sign: number, k: number, l: number, n: number): [number, number] => {
  const a = (sign * 2 * Math.PI * ((k * l) % n)) / n;
  return [Math.cos(a), Math.sin(a)];
};
/** torch's irfft bin weight: 1 at DC and Nyquist, 2 for the bins that stand for a Hermitian pair. */
const hermitian = (k: number, n: number) => (k === 0 || 2 * k === n ? 1 : 2);
const scaled = (s: number, [a, b]: [number, number]): [number, number] => [s * a, s * b];

/** torch.fft.rfft(x, dim=axis): bins 0 … n/2. */
export const rfft = (x: Arr, axis: number) =>
  linAxis(x, axis, Math.floor(x.shape[axis] / 2) + 1, (k, l) => cis(-1, k, l, x.shape[axis]), true);
/** Adjoint of rfft: gx_l = Re Σ_k g_k e^{+2πikl/n}. */
const rfftAdj = (g: Arr, axis: number, n: number) => linAxis(g, axis, n, (l, k) => cis(1, k, l, n), false);
/**
 * torch.fft.irfft(X, n, dim=axis): x_l = (1/n) Σ_k c_k Re(X_k e^{+2πikl/n}); Im of DC and Nyquist never enter
 * (their twiddles are real).
 */
export const irfft = (X: Arr, axis: number, n: number) =>
  linAxis(X, axis, n, (l, k) => scaled(hermitian(k, n) / n, cis(1, k, l, n)), false);
/** Adjoint of irfft: gX_k = (c_k/n) Σ_l g_l e^{−2πikl/n}. */
const irfftAdj = (g: Arr, axis: number, nb: number) => {
  const n = g.shape[axis];
  return linAxis(g, axis, nb, (k, l) => scaled(hermitian(k, n) / n, cis(-1, k, l, n)), true);
};
/** torch.fft.fft (sign −1, scale 1) / ifft (sign +1, scale 1/n) along axis; adjoint: sign flipped, same scale. */
const cfft = (X: Arr, axis: number, sign: number, scale: number) => {
  const n = X.shape[axis];
  return linAxis(X, axis, n, (k, l) => scaled(scale, cis(sign, k, l, n)), true);
};

/** Which spectrum entries (row a, column d of the last two axes) are kept, and their weight index. */
type ModeIndex = (a: number, d: number) => number | null;

/**
 * out_ft (B, Co, A, D) = 0 except where `mode` keeps (a, d): Σ_i X[b,i,a,d]·w[i,o,mode]; with `adjoint`, the
 * pair (gX, gw) for the output gradient G instead (gX = Σ_o G·conj(w), gw = Σ G·conj(X)).
 */
function einsumModes(X: Arr, w: Float64Array, co: number, wlen: number, mode: ModeIndex, G?: Arr) {
  const [B, ci, A, D] = X.shape;
  const out = new Float64Array(2 * B * co * A * D);
  const gX = new Float64Array(X.data.length);
  const gw = new Float64Array(w.length);
  for (let b = 0; b < B; b++)
    for (let a = 0; a < A; a++)
      for (let d = 0; d < D; d++) {
        const m = mode(a, d);
        if (m === null) continue;
        for (let i = 0; i < ci; i++)
          for (let o = 0; o < co; o++) {
            const q = ((b * ci + i) * A + a) * D + d;
            const p = ((b * co + o) * A + a) * D + d;
            const t = (i * co + o) * wlen + m;
            const [xr, xi, wr, wi] = [X.data[2 * q], X.data[2 * q + 1], w[2 * t], w[2 * t + 1]];
            if (!G) {
              out[2 * p] += xr * wr - xi * wi;
              out[2 * p + 1] += xr * wi + xi * wr;
              continue;
            }
            const [gr, gi] = [G.data[2 * p], G.data[2 * p + 1]];
            gX[2 * q] += gr * wr + gi * wi;
            gX[2 * q + 1] += gi * wr - gr * wi;
            gw[2 * t] += gr * xr + gi * xi;
            gw[2 * t + 1] += gi * xr - gr * xi;
          }
      }
  return { out: { shape: [B, co, A, D], data: out, complex: true }, gX: { ...X, data: gX }, gw };
}

/** Spectral weights: complex (re, im interleaved), shape [Ci, Co, …modes]. */
export interface Weights {
  shape: number[];
  data: Float64Array;
}

const real = (shape: number[], data: ArrayLike<number>): Arr => ({
  shape,
  data: Float64Array.from(data),
  complex: false,
});

/** The two halves of FactorizedSpectralConv2d: along W (axis 3, weights_x) and along H (axis 2, weights_y). */
function ffnoHalf(x: Arr, w: Weights, axis: number) {
  const n = x.shape[axis];
  const modes = w.shape[2];
  const mk = Math.min(modes, Math.floor(n / 2) + 1);
  const mode: ModeIndex = axis === 3 ? (_a, d) => (d < mk ? d : null) : (a) => (a < mk ? a : null);
  return { n, mode, X: rfft(x, axis), co: w.shape[1], wlen: modes };
}

/** FactorizedSpectralConv2d.forward on x (B, Ci, H, W) with weights_x, weights_y (Ci, Co, modes). */
export function ffnoRef(x: Arr, wx: Weights, wy: Weights): Arr {
  const outs = ([[3, wx] as const, [2, wy] as const] as const).map(([axis, w]) => {
    const h = ffnoHalf(x, w, axis);
    return irfft(einsumModes(h.X, w.data, h.co, h.wlen, h.mode).out, axis, h.n);
  });
  return real(
    outs[0].shape,
    outs[0].data.map((v, i) => v + outs[1].data[i]),
  );
}

/** Gradients of Σ g·ffnoRef(x, wx, wy) w.r.t. x, wx, wy. */
export function ffnoRefGrad(
  x: Arr,
  wx: Weights,
  wy: Weights,
  g: Arr,
): { gx: Arr; gwx: Float64Array; gwy: Float64Array } {
  const gx = new Float64Array(x.data.length);
  const gws = ([[3, wx] as const, [2, wy] as const] as const).map(([axis, w]) => {
    const h = ffnoHalf(x, w, axis);
    const G = irfftAdj(g, axis, h.X.shape[axis]);
    const { gX, gw } = einsumModes(h.X, w.data, h.co, h.wlen, h.mode, G);
    rfftAdj(gX, axis, h.n).data.forEach((v, i) => (gx[i] += v));
    return gw;
  });
  return { gx: real(x.shape, gx), gwx: gws[0], gwy: gws[1] };
}

/** rfft2(x) as torch: rfft along W, then fft along H. */
function fnoSpectrum(x: Arr, w: Weights) {
  const [, , H, W] = x.shape;
  const modes = w.shape[2];
  const mh = Math.min(modes, H);
  const mw = Math.min(modes, Math.floor(W / 2) + 1);
  const mode: ModeIndex = (a, d) => (a < mh && d < mw ? a * modes + d : null);
  return { H, W, mode, X: cfft(rfft(x, 3), 2, -1, 1), co: w.shape[1], wlen: modes * modes };
}

/** _FallbackSpectralConv2d.forward on x (B, Ci, H, W) with weights (Ci, Co, modes, modes): irfft2 = ifft(H), irfft(W). */
export function fnoRef(x: Arr, w: Weights): Arr {
  const s = fnoSpectrum(x, w);
  const outFt = einsumModes(s.X, w.data, s.co, s.wlen, s.mode).out;
  return irfft(cfft(outFt, 2, 1, 1 / s.H), 3, s.W);
}

/** Gradients of Σ g·fnoRef(x, w) w.r.t. x and w. */
export function fnoRefGrad(x: Arr, w: Weights, g: Arr): { gx: Arr; gw: Float64Array } {
  const s = fnoSpectrum(x, w);
  const G = cfft(irfftAdj(g, 3, Math.floor(s.W / 2) + 1), 2, -1, 1 / s.H);
  const { gX, gw } = einsumModes(s.X, w.data, s.co, s.wlen, s.mode, G);
  return { gx: rfftAdj(cfft(gX, 2, 1, 1), 3, s.W), gw };
}

export { real as realArr };
