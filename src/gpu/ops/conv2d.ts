import convWgsl from '../shaders/conv2d.wgsl?raw';
import { conv2dDirectRaw, conv2dDirectWeightGrad } from './conv2dDirect';
import type { Gpu, KernelSpec } from '../kernel';
import { uniforms } from '../kernel';
import { record } from '../tape';
import type { Tensor } from '../tensor';

/**
 * conv2d (PyTorch Conv2d(k, padding=k//2), stride 1, odd k) as a tiled implicit GEMM, with bias and ReLU fused
 * into the store. Adjoints: input gradient = the same kernel on g with the flipped, in/out-swapped weights;
 * weight gradient = im2col(x)ᵀ·g with split-K partial sums (enough workgroups even when Cout·Cin·k² is small);
 * bias gradient = Σ over batch and pixels, one workgroup per channel.
 * On software adapters (`gpu.variants.conv === 'direct'`) the forward, input and weight gradients run the
 * register-blocked kernels of conv2dDirect.ts instead (same contracts, ~20× faster there).
 */
const B4 = ['read', 'read', 'read', 'rw'] as const;
const k = (entryPoint: string, constants?: Record<string, number>): KernelSpec => ({
  name: `conv2d_${entryPoint}${constants ? `_${constants.WGX}x${constants.WGY}` : ''}`,
  code: convWgsl,
  entryPoint,
  bindings: B4,
  constants,
});
/** Tile variants: 64×32 (8×16 invocations) for wide layers, 256×4 (1×64) when ≤ 4 columns are needed. */
const WIDE = { WGX: 8, WGY: 16, TK: 16 };
const NARROW = { WGX: 1, WGY: 64, TK: 8 };
const variant = (columns: number) => (columns <= 4 ? NARROW : WIDE);
const tileM = (v: typeof WIDE) => 4 * v.WGY;
const tileN = (v: typeof WIDE) => 4 * v.WGX;
const FWD = { wide: k('fwd', WIDE), narrow: k('fwd', NARROW) };
const WGRAD = { wide: k('wgrad', WIDE), narrow: k('wgrad', NARROW) };
const pick = <T>(pair: { wide: T; narrow: T }, v: typeof WIDE) => (v === NARROW ? pair.narrow : pair.wide);
const SUM_SPLITS = k('sum_splits');
const BGRAD = k('bgrad');
const RELU_MASK = k('relu_mask');

export interface Conv2dOptions {
  relu?: boolean;
}

function shapes(x: Tensor, w: Tensor) {
  if (x.shape.length !== 4 || w.shape.length !== 4 || x.dtype !== 'f32' || w.dtype !== 'f32') {
    throw new Error(`conv2d: expected real NCHW input and OIHW weight, got ${x}, ${w}`);
  }
  const [B, Cin, H, W] = x.shape;
  const [Cout, Cin2, kh, kw] = w.shape;
  if (Cin2 !== Cin || kh !== kw || kh % 2 !== 1) throw new Error(`conv2d: weight ${w} does not fit input ${x} (odd square kernels)`);
  return { B, Cin, H, W, Cout, k: kh };
}

/** Block of the direct (software-adapter) kernels: 8 pixels × 8 channels, or × 4 for layers with ≤ 4 channels. */
const directBlock = (channels: number) => ({ px: 8, oc: channels <= 4 ? 4 : 8, wg: 64 });

/** Forward without tape. `transposed`: compute the input gradient of a forward conv with weight w. */
function convRaw(gpu: Gpu, x: Tensor, w: Tensor, b: Tensor | null, relu: boolean, transposed: boolean): Tensor {
  if (gpu.variants.conv === 'direct') return conv2dDirectRaw(gpu, x, w, b, relu, transposed, directBlock(transposed ? w.shape[1] : w.shape[0]));
  const [B, Cx, H, W] = x.shape;
  const kk = w.shape[2];
  // Forward: Cin = Cx, Cout = w.O. Transposed (input grad): Cin = w.O (= Cx), Cout = w.I.
  const Cin = Cx;
  const Cout = transposed ? w.shape[1] : w.shape[0];
  const out = gpu.tensor([B, Cout, H, W], 'f32');
  const flags = (relu ? 1 : 0) | (transposed ? 2 : 0) | (b ? 4 : 0);
  const u = uniforms().u32(B, Cin, H, W, Cout, kk, (kk - 1) / 2, flags, 0, 0);
  const v = variant(Cout);
  gpu.run(pick(FWD, v), [x, w, b ?? w, out], u, [Math.ceil((B * H * W) / tileM(v)), Math.ceil(Cout / tileN(v)), 1]);
  return out;
}

function weightGradRaw(gpu: Gpu, x: Tensor, g: Tensor, w: Tensor): Tensor {
  if (gpu.variants.conv === 'direct') return conv2dDirectWeightGrad(gpu, x, g, w, directBlock(w.shape[0]));
  const { B, Cin, H, W, Cout, k: kk } = shapes(x, w);
  const Ktot = Cin * kk * kk;
  const M = B * H * W;
  const v = variant(Cout);
  const gx = Math.ceil(Ktot / tileM(v));
  const gy = Math.ceil(Cout / tileN(v));
  // Split the pixel reduction so that ~256 workgroups run, each over ≥ 256 pixels.
  const splits = Math.max(1, Math.min(Math.ceil(256 / (gx * gy)), Math.ceil(M / 256), 65535));
  const mchunk = Math.ceil(M / splits / 16) * 16;
  const nSplits = Math.ceil(M / mchunk);
  const n = Cout * Ktot;
  const part = gpu.tensor([nSplits, n], 'f32');
  gpu.run(pick(WGRAD, v), [x, g, g, part], uniforms().u32(B, Cin, H, W, Cout, kk, (kk - 1) / 2, 0, nSplits, mchunk), [gx, gy, nSplits]);
  if (nSplits === 1) {
    const out = gpu.tensor(w.shape, 'f32');
    gpu.run(SUM_SPLITS, [part, part, part, out], uniforms().u32(0, 0, 0, 0, 0, 0, 0, 0, 1, n), gpu.grid(n, 256));
    part.dispose();
    return out;
  }
  const out = gpu.tensor(w.shape, 'f32');
  gpu.run(SUM_SPLITS, [part, part, part, out], uniforms().u32(0, 0, 0, 0, 0, 0, 0, 0, nSplits, n), gpu.grid(n, 256));
  part.dispose();
  return out;
}

function biasGradRaw(gpu: Gpu, g: Tensor): Tensor {
  const [B, C, H, W] = g.shape;
  const out = gpu.tensor([C], 'f32');
  gpu.run(BGRAD, [g, g, g, out], uniforms().u32(B, 0, H, W, C, 1, 0, 0, 0, 0), [C]);
  return out;
}

/** y = conv2d(x, w) + b, optionally ReLU-fused. Tape-recorded for x, w and b. */
export function conv2d(gpu: Gpu, x: Tensor, w: Tensor, b: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  shapes(x, w);
  if (b && b.size !== w.shape[0]) throw new Error(`conv2d: bias ${b} for ${w.shape[0]} channels`);
  const relu = !!opts.relu;
  const y = convRaw(gpu, x, w, b, relu, false);
  const inputs = b ? [x, w, b] : [x, w];
  record(gpu, relu ? 'conv2d_relu' : 'conv2d', inputs, [y], ([g0]) => {
    if (!g0) return inputs.map(() => null);
    let g = g0;
    if (relu) {
      g = gpu.tensor(y.shape, 'f32');
      gpu.run(RELU_MASK, [y, g0, g0, g], uniforms().u32(0, 0, 0, 0, 0, 0, 0, 0, 0, y.size), gpu.grid(y.size, 256));
    }
    const gx = x.requiresGrad ? convRaw(gpu, g, w, null, false, true) : null;
    const gw = w.requiresGrad ? weightGradRaw(gpu, x, g, w) : null;
    const gb = b && b.requiresGrad ? biasGradRaw(gpu, g) : null;
    if (g !== g0) g.dispose();
    return b ? [gx, gw, gb] : [gx, gw];
  });
  return y;
}

export { convRaw as conv2dRaw };
