/**
 * Spectral convolutions of the reference's FNO / FFNO generators (ptycho_torch/generators: fno.py
 * `_FallbackSpectralConv2d`, spectral_layers.py `FactorizedSpectralConv2d`), built from four primitives with
 * adjoints. `modes` is small, so each transform is a direct DFT onto (or from) the kept modes, not a full FFT:
 *   projectModes  x real → rfft(x, axis)[:m]                       adjoint: expand (unscaled)
 *   expandModes   z (m modes) → irfft(z zero-padded, n, axis)       adjoint: project (scaled by c_k/n)
 *   dftModes      complex DFT along an axis onto / from the first modes   adjoint: conjugate twiddles
 *   mixModes      out[b,o,…] = Σ_i z[b,i,…]·w[i,o,mode]              adjoints: Σ_o g·conj(w), Σ g·conj(z)
 * irfft as torch: the output is real, the imaginary parts of the DC and Nyquist bins are ignored and the bins
 * between count twice (c_k = 1 | 2). Complex weights are f32 tensors with a trailing (re, im) dimension of 2
 * (the bytes of complex64), so the Adam optimiser trains them unchanged. Real-pair gradient convention
 * (src/gpu/tape.ts): for complex weights ∂L/∂Re + i ∂L/∂Im, as PyTorch's `.grad`.
 */
import spectralWgsl from '../shaders/spectral.wgsl?raw';
import type { Gpu } from '../runtime';
import { perDevice } from '../deviceCache';
import { kernelFamily } from '../kernelDecl';
import { record } from '../tape';
import type { Tensor } from '../tensor';
import { add } from './elementwise';

const C2 = 'array<vec2<f32>>';
const CR = { access: 'read', type: C2 } as const;
const kernel = kernelFamily({
  prefix: 'spectral_',
  params: {
    n: 'u32', // invocations (output elements)
    m: 'u32', // project / expand: kept modes
    len: 'u32', // DFT length along the axis
    inner: 'u32', // elements after the axis
    scaled: 'u32', // 1: weight bin k by c_k/len (irfft); 0: by 1
    lin: 'u32', // cdft: input length along the axis
    lout: 'u32', // cdft: output length along the axis
    sgn: 'f32', // cdft: ±1, the exponent's sign
    scale: 'f32', // cdft: overall factor
    cx: 'u32', // mix: channels summed over
    cy: 'u32', // mix: output channels
    np: 'u32', // mix: mode positions per channel
    nr: 'u32', // mix: position rows (r)
    ns: 'u32', // mix: positions sharing a weight (s)
    nc: 'u32', // mix: position columns (c)
    wrow: 'u32', // mix: weight index = r·wrow + c
    wlen: 'u32', // mix: weights per (x, y) channel pair
    trans: 'u32', // mix: 1 = conjugate-transposed weights (the adjoint w.r.t. z)
    batch: 'u32', // mix_grad_w: batch size
  },
  // complex arrays as (re, im) pairs; `outr` is the real output of `expand`
  bindings: { x: 'read', z: CR, w: CR, g: CR, tw: CR, out: { access: 'rw', type: C2 }, outr: 'rw' },
  code: spectralWgsl,
  workgroupSize: 64,
});
const AXIS = { n: 'u32', m: 'u32', len: 'u32', inner: 'u32', scaled: 'u32' } as const;
/** out[o,k,j] = s_k Σ_l x[o,l,j] e^{−2πikl/len} (real → complex) */
const PROJECT = kernel('project', AXIS, { x: 'read', tw: 'read', out: 'rw' }, 'n');
/** out[o,l,j] = Σ_k s_k Re(z[o,k,j] e^{+2πikl/len}) (complex → real) */
const EXPAND = kernel('expand', AXIS, { z: 'read', tw: 'read', outr: 'rw' }, 'n');
const CDFT_P = { n: 'u32', lin: 'u32', lout: 'u32', len: 'u32', inner: 'u32', sgn: 'f32', scale: 'f32' } as const;
/** out[o,k,j] = scale Σ_l z[o,l,j] e^{sgn·2πikl/len} */
const CDFT = kernel('cdft', CDFT_P, { z: 'read', tw: 'read', out: 'rw' }, 'n');
const MIX_P = { n: 'u32', cx: 'u32', cy: 'u32', np: 'u32', ns: 'u32', nc: 'u32', wrow: 'u32', wlen: 'u32' } as const;
/** out[b,y,p] = Σ_x z[b,x,p]·w[x,y,widx(p)] (trans 0) or ·conj(w[y,x,widx(p)]) (trans 1) */
const MIX = kernel('mix', { ...MIX_P, trans: 'u32' }, { z: 'read', w: 'read', out: 'rw' }, 'n');
/** out[x,y,j] = Σ_{b,s} g[b,y,p]·conj(z[b,x,p]) */
const MIX_GW = kernel('mix_grad_w', { ...MIX_P, nr: 'u32', batch: 'u32' }, { z: 'read', g: 'read', out: 'rw' }, 'n');

const twiddleCache = perDevice<number, Tensor>();

/** tw[j] = (cos, sin)(2πj/n), j < n, computed in float64; one persistent buffer per device and n. */
function twiddles(gpu: Gpu, n: number): Tensor {
  return twiddleCache(gpu, n, () => {
    const w = new Float32Array(2 * n);
    for (let j = 0; j < n; j++) {
      w[2 * j] = Math.cos((2 * Math.PI * j) / n);
      w[2 * j + 1] = Math.sin((2 * Math.PI * j) / n);
    }
    const t = gpu.keep(gpu.tensor([n], 'c64', w));
    t.name = `spectralTwiddles${n}`;
    return t;
  });
}

/** (outer, len, inner) of `shape` around `axis` (negative counts from the end), and the axis index. */
function around(shape: readonly number[], axis: number): { outer: number; len: number; inner: number; ax: number } {
  const ax = axis < 0 ? shape.length + axis : axis;
  if (ax < 0 || ax >= shape.length) throw new Error(`spectral: axis ${axis} out of range for [${shape.join(',')}]`);
  const prod = (a: readonly number[]) => a.reduce((p, d) => p * d, 1);
  return { outer: prod(shape.slice(0, ax)), len: shape[ax], inner: prod(shape.slice(ax + 1)), ax };
}

function withAxis(shape: readonly number[], ax: number, n: number): number[] {
  return shape.map((d, i) => (i === ax ? n : d));
}

/** s_k Σ_l x_l e^{−2πikl/n}, k < m, along `axis` of real x (n = its length). */
function projectRaw(gpu: Gpu, x: Tensor, axis: number, m: number, scaled: boolean): Tensor {
  const { outer, len, inner, ax } = around(x.shape, axis);
  const out = gpu.tensor(withAxis(x.shape, ax, m), 'c64');
  gpu.run(PROJECT, { x, tw: twiddles(gpu, len), out }, { n: outer * m * inner, m, len, inner, scaled: scaled ? 1 : 0 });
  return out;
}

/** Σ_k s_k Re(z_k e^{+2πikl/n}), l < n, along `axis` of complex z (m = its length). */
function expandRaw(gpu: Gpu, z: Tensor, axis: number, n: number, scaled: boolean): Tensor {
  const { outer, len: m, inner, ax } = around(z.shape, axis);
  const out = gpu.tensor(withAxis(z.shape, ax, n), 'f32');
  gpu.run(
    EXPAND,
    { z, tw: twiddles(gpu, n), outr: out },
    { n: outer * n * inner, m, len: n, inner, scaled: scaled ? 1 : 0 },
  );
  return out;
}

function cdftRaw(gpu: Gpu, z: Tensor, axis: number, lout: number, len: number, sgn: number, scale: number): Tensor {
  const { outer, len: lin, inner, ax } = around(z.shape, axis);
  const out = gpu.tensor(withAxis(z.shape, ax, lout), 'c64');
  gpu.run(CDFT, { z, tw: twiddles(gpu, len), out }, { n: outer * lout * inner, lin, lout, len, inner, sgn, scale });
  return out;
}

function checkModes(op: string, m: number, n: number): void {
  if (!Number.isInteger(m) || m < 1 || m > Math.floor(n / 2) + 1)
    throw new Error(`${op}: ${m} modes of a length-${n} axis (1 … ${Math.floor(n / 2) + 1})`);
}

/**
 * rfft(x, dim=axis)[…, :m] of a real tensor: complex, the axis now of length m ≤ n/2 + 1.
 * Adjoint: gx_l = Re Σ_k g_k e^{+2πikl/n}.
 */
export function projectModes(gpu: Gpu, x: Tensor, axis: number, m: number): Tensor {
  if (x.dtype !== 'f32') throw new Error(`projectModes: ${x} is not real`);
  checkModes('projectModes', m, around(x.shape, axis).len);
  const out = projectRaw(gpu, x, axis, m, false);
  record(gpu, 'projectModes', [x], [out], ([g]) => [g && expandRaw(gpu, g, axis, x.shape.at(axis)!, false)]);
  return out;
}

/**
 * irfft(z zero-padded to n/2 + 1 bins, n, dim=axis) of complex z whose axis holds the first m ≤ n/2 + 1 bins:
 * out_l = (1/n) Σ_k c_k Re(z_k e^{+2πikl/n}), c_k = 1 at DC and Nyquist, 2 between (torch's semantics).
 * Adjoint: gz_k = (c_k/n) Σ_l g_l e^{−2πikl/n}.
 */
export function expandModes(gpu: Gpu, z: Tensor, axis: number, n: number): Tensor {
  if (z.dtype !== 'c64') throw new Error(`expandModes: ${z} is not complex`);
  const m = around(z.shape, axis).len;
  checkModes('expandModes', m, n);
  const out = expandRaw(gpu, z, axis, n, true);
  record(gpu, 'expandModes', [z], [out], ([g]) => [g && projectRaw(gpu, g, axis, m, true)]);
  return out;
}

/**
 * Complex DFT along `axis`: forward (inverse = false) fft(z)[:lout] of a length-n axis, lout ≤ n; inverse
 * ifft(z zero-padded to n) of an axis holding the first lin ≤ n bins (scaled 1/n). Adjoint: the same sum with
 * conjugate twiddles, input and output lengths swapped.
 */
export function dftModes(gpu: Gpu, z: Tensor, axis: number, n: number, lout: number, inverse: boolean): Tensor {
  const lin = around(z.shape, axis).len;
  if (z.dtype !== 'c64' || lin > n || lout > n || (!inverse && lin !== n) || (inverse && lout !== n))
    throw new Error(`dftModes: ${z} along ${axis}, n ${n} → ${lout} (${inverse ? 'inverse' : 'forward'})`);
  const sgn = inverse ? 1 : -1;
  const scale = inverse ? 1 / n : 1;
  const out = cdftRaw(gpu, z, axis, lout, n, sgn, scale);
  record(gpu, 'dftModes', [z], [out], ([g]) => [g && cdftRaw(gpu, g, axis, lin, n, -sgn, scale)]);
  return out;
}

/**
 * Which mode dimensions of z (B, Ci, A, D) index the weights: 'w' — D modes along the last axis, w (Ci, Co, M, 2)
 * ('bihm,iom->bohm'); 'h' — A modes along rows, w (Ci, Co, M, 2) ('bimw,iom->bomw'); 'hw' — A × D modes,
 * w (Ci, Co, M1, M2, 2) ('bcxy,coxy->boxy'). The weights may hold more modes than used (torch's slicing).
 */
export type ModeLayout = 'w' | 'h' | 'hw';

function mixGeometry(z: Tensor, w: Tensor, layout: ModeLayout) {
  const [B, ci, A, D] = z.shape;
  const ws = w.shape;
  const nDims = layout === 'hw' ? 5 : 4;
  const bad =
    z.dtype !== 'c64' ||
    z.shape.length !== 4 ||
    w.dtype !== 'f32' ||
    ws.length !== nDims ||
    ws[0] !== ci ||
    ws[nDims - 1] !== 2 ||
    (layout === 'w' && D > ws[2]) ||
    (layout === 'h' && A > ws[2]) ||
    (layout === 'hw' && (A > ws[2] || D > ws[3]));
  if (bad) throw new Error(`mixModes (${layout}): modes ${z} (B,Ci,A,D complex) vs weights ${w} (Ci,Co,…modes,2)`);
  const geo = {
    w: { nr: 1, ns: A, nc: D, wrow: ws[2], wlen: ws[2] },
    h: { nr: A, ns: D, nc: 1, wrow: 1, wlen: ws[2] },
    hw: { nr: A, ns: 1, nc: D, wrow: ws[3], wlen: ws[2] * ws[3] },
  }[layout];
  return { B, ci, co: ws[1], np: A * D, ...geo };
}

/**
 * Per-mode complex channel mixing: out[b,o,a,d] = Σ_i z[b,i,a,d]·w[i,o,mode(a,d)] (see ModeLayout).
 * Adjoints: gz[b,i,·] = Σ_o g[b,o,·]·conj(w[i,o,·]); gw[i,o,mode] = Σ over b and the positions of that mode
 * of g[b,o,·]·conj(z[b,i,·]) (0 for unused weight modes).
 */
export function mixModes(gpu: Gpu, z: Tensor, w: Tensor, layout: ModeLayout): Tensor {
  const { B, ci, co, np, nr, ns, nc, wrow, wlen } = mixGeometry(z, w, layout);
  const shape = { ns, nc, wrow, wlen, np };
  const out = gpu.tensor([B, co, z.shape[2], z.shape[3]], 'c64');
  gpu.run(MIX, { z, w, out }, { n: B * co * np, cx: ci, cy: co, trans: 0, ...shape });
  record(gpu, 'mixModes', [z, w], [out], ([g]) => {
    if (!g) return [null, null];
    let gz: Tensor | null = null;
    let gw: Tensor | null = null;
    if (z.requiresGrad) {
      gz = gpu.tensor(z.shape, 'c64');
      gpu.run(MIX, { z: g, w, out: gz }, { n: B * ci * np, cx: co, cy: ci, trans: 1, ...shape });
    }
    if (w.requiresGrad) {
      gw = gpu.tensor(w.shape, 'f32');
      gpu.run(MIX_GW, { z, g, out: gw }, { n: ci * co * wlen, cx: ci, cy: co, nr, batch: B, ...shape });
    }
    return [gz, gw];
  });
  return out;
}

/** Dispose intermediates that no recorded backward reads (all of them when no tape records). */
function release(gpu: Gpu, keepIf: boolean, ...ts: Tensor[]): void {
  if (gpu.tape && keepIf) return;
  for (const t of ts) t.dispose();
}

function checkInput(op: string, x: Tensor): [number, number, number, number] {
  if (x.dtype !== 'f32' || x.shape.length !== 4) throw new Error(`${op}: input ${x} must be real (B, C, H, W)`);
  return x.shape as [number, number, number, number];
}

/**
 * FactorizedSpectralConv2d.forward: x (B, Ci, H, W) real, wx and wy (Ci, Co, modes, 2) = weights_x, weights_y
 * as (re, im) → (B, Co, H, W) real:
 *   irfft(pad(einsum('bihm,iom->bohm', rfft(x,-1)[…,:mw], wx[…,:mw])), W, -1) + the same along -2 with wy, mh,
 * mw = min(modes, W/2 + 1), mh = min(modes, H/2 + 1).
 */
export function factorizedSpectralConv2d(gpu: Gpu, x: Tensor, wx: Tensor, wy: Tensor): Tensor {
  const [, , H, W] = checkInput('factorizedSpectralConv2d', x);
  if (wx.shape.length !== 4 || wy.shape.length !== 4 || wx.shape[2] !== wy.shape[2])
    throw new Error(`factorizedSpectralConv2d: weights ${wx}, ${wy} must both be (Ci, Co, modes, 2)`);
  const modes = wx.shape[2];
  const mw = Math.min(modes, Math.floor(W / 2) + 1);
  const mh = Math.min(modes, Math.floor(H / 2) + 1);
  const xw = projectModes(gpu, x, -1, mw);
  const yw = mixModes(gpu, xw, wx, 'w');
  release(gpu, wx.requiresGrad, xw);
  const ow = expandModes(gpu, yw, -1, W);
  yw.dispose();
  const xh = projectModes(gpu, x, -2, mh);
  const yh = mixModes(gpu, xh, wy, 'h');
  release(gpu, wy.requiresGrad, xh);
  const oh = expandModes(gpu, yh, -2, H);
  yh.dispose();
  const out = add(gpu, ow, oh);
  ow.dispose();
  oh.dispose();
  return out;
}

/**
 * _FallbackSpectralConv2d.forward: x (B, Ci, H, W) real, w (Ci, Co, modes, modes, 2) = weights as (re, im) →
 * irfft2(out_ft, s=(H, W)) with out_ft[:, :, :mh, :mw] = einsum('bcxy,coxy->boxy', rfft2(x)[…, :mh, :mw],
 * w[…, :mh, :mw]) and zero elsewhere; mh = min(modes, H) (positive row frequencies only, as the reference),
 * mw = min(modes, W/2 + 1).
 */
export function spectralConv2d(gpu: Gpu, x: Tensor, w: Tensor): Tensor {
  const [, , H, W] = checkInput('spectralConv2d', x);
  if (w.shape.length !== 5 || w.shape[2] !== w.shape[3])
    throw new Error(`spectralConv2d: weights ${w} must be (Ci, Co, modes, modes, 2)`);
  const modes = w.shape[2];
  const mh = Math.min(modes, H);
  const mw = Math.min(modes, Math.floor(W / 2) + 1);
  const xw = projectModes(gpu, x, -1, mw);
  const xf = dftModes(gpu, xw, -2, H, mh, false);
  xw.dispose();
  const yf = mixModes(gpu, xf, w, 'hw');
  release(gpu, w.requiresGrad, xf);
  const yw = dftModes(gpu, yf, -2, H, H, true);
  yf.dispose();
  const out = expandModes(gpu, yw, -1, W);
  yw.dispose();
  return out;
}
