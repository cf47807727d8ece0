/**
 * conv2d (PyTorch Conv2d(k, padding=k//2), stride 1, odd k) as a tiled implicit GEMM, with bias and ReLU fused
 * into the store. Adjoints: input gradient = the same kernel on g with the flipped, in/out-swapped weights;
 * weight gradient = im2col(x)ᵀ·g with split-K partial sums (enough workgroups even when Cout·Cin·k² is small);
 * bias gradient = Σ over batch and pixels, one workgroup per channel, with the ReLU adjoint G·[Y > 0] fused into it.
 * On software adapters (`gpu.variants.conv === 'direct'`) the forward, input and weight gradients run the
 * register-blocked kernels of conv2dDirect.ts instead (same contracts, ~20× faster there).
 */
import convWgsl from '../shaders/conv2d.wgsl?raw';
import indexWgsl from '../shaders/index.wgsl?raw';
import sumSplitsWgsl from '../shaders/sum_splits.wgsl?raw';
import workgroupSumWgsl from '../shaders/workgroup_sum.wgsl?raw';
import { conv2dDirectRaw, conv2dDirectWeightGrad } from './conv2dDirect';
import type { Gpu } from '../runtime';
import { kernelFamily, type Access, type Scalar } from '../kernelDecl';
import { record } from '../tape';
import type { Tensor } from '../tensor';

const kernel = kernelFamily('conv2d_', `${indexWgsl}${workgroupSumWgsl}${convWgsl}\n${sumSplitsWgsl}`);
const conv = { B: 'u32', Cin: 'u32', H: 'u32', W: 'u32', Cout: 'u32', k: 'u32', pad: 'u32' } as const;
/** Tile variants: 64×32 (8×16 invocations) for wide layers, 256×4 (1×64) when ≤ 4 columns are needed. */
const WIDE = { WGX: 8, WGY: 16, TK: 16 };
const NARROW = { WGX: 1, WGY: 64, TK: 8 };
type Tile = typeof WIDE;
const variant = (columns: number) => (columns <= 4 ? NARROW : WIDE);
const tileM = (v: Tile) => 4 * v.WGY;
const tileN = (v: Tile) => 4 * v.WGX;
/** The wide and narrow tilings of one entry point. */
const pair = <P extends string, B extends string>(
  entryPoint: string,
  params: Readonly<Record<P, Scalar>>,
  bindings: Readonly<Record<B, Access>>,
) => {
  const tiled = (v: Tile) =>
    kernel(entryPoint, params, bindings, undefined, {
      name: `conv2d_${entryPoint}_${v.WGX}x${v.WGY}`,
      workgroupSize: [v.WGX, v.WGY],
      constants: { TK: v.TK },
    });
  return { wide: tiled(WIDE), narrow: tiled(NARROW) };
};
/** out = conv2d(X, Wt) (+ ReLU); flags bit 1: the input gradient conv_transpose(X = g, Wt) */
const FWD = pair('fwd', { ...conv, flags: 'u32' }, { X: 'read', Wt: 'read', out: 'rw' });
/** out = conv2d(X, Wt) + bias (+ ReLU) */
const FWD_BIAS = pair('fwd_bias', { ...conv, flags: 'u32' }, { X: 'read', Wt: 'read', bias: 'read', out: 'rw' });
/** Adjoint of conv2d w.r.t. the weight, split-K partials: out[s, o, c·k²+t] = Σ_{pixels in chunk s} G[b, o, p]·im2col(X)[p, c·k²+t] */
const WGRAD = pair('wgrad', { ...conv, mchunk: 'u32' }, { X: 'read', G: 'read', out: 'rw' });
const pick = <T>(p: { wide: T; narrow: T }, v: Tile) => (v === NARROW ? p.narrow : p.wide);
const planes = { n: 'u32', H: 'u32', W: 'u32' } as const;
const channels = { B: 'u32', H: 'u32', W: 'u32', Cout: 'u32' } as const;
/** out[i] = Σ_s part[s·n + i] */
const SUM_SPLITS = kernel('sum_splits', { n: 'u32', splits: 'u32' }, { part: 'read', out: 'rw' }, 'n');
/** Adjoint of conv2d w.r.t. the bias: gb[o] = Σ_{b,y,x} G[b, o, y, x] */
const BGRAD = kernel('bgrad', channels, { G: 'read', out: 'rw' });
/** Adjoint of conv2d w.r.t. the bias, per (b, o) plane (no barriers; software adapters): part[b, o] = Σ_{y,x} G[b, o, y, x] */
const BGRAD_PLANES = kernel('bgrad_planes', planes, { G: 'read', out: 'rw' }, 'n', { workgroupSize: 64 });
/** The ReLU and bias adjoints in one pass (software adapters): gmask = G·[Y > 0], part[b, o] = Σ_{y,x} gmask[b, o, y, x] */
const RELU_BGRAD_PLANES = kernel('relu_bgrad_planes', planes, { G: 'read', Y: 'read', gmask: 'rw', out: 'rw' }, 'n', {
  workgroupSize: 64,
});
/** The ReLU and bias adjoints in one pass: gmask = G·[Y > 0], gb[o] = Σ_{b,y,x} gmask[b, o, y, x] */
const RELU_BGRAD = kernel('relu_bgrad', channels, { G: 'read', Y: 'read', gmask: 'rw', out: 'rw' });
/** Adjoint of the fused ReLU from the saved output: out = G · [Y > 0] */
const RELU_MASK = kernel('relu_mask', { n: 'u32' }, { Y: 'read', G: 'read', out: 'rw' }, 'n');

export interface Conv2dOptions {
  relu?: boolean;
}

function shapes(x: Tensor, w: Tensor) {
  if (x.shape.length !== 4 || w.shape.length !== 4 || x.dtype !== 'f32' || w.dtype !== 'f32') {
    throw new Error(`conv2d: expected real NCHW input and OIHW weight, got ${x}, ${w}`);
  }
  const [B, Cin, H, W] = x.shape;
  const [Cout, Cin2, kh, kw] = w.shape;
  if (Cin2 !== Cin || kh !== kw || kh % 2 !== 1)
    throw new Error(`conv2d: weight ${w} does not fit input ${x} (odd square kernels)`);
  return { B, Cin, H, W, Cout, k: kh };
}

/** Multiply-adds ×2 of a stride-1 'same' convolution (forward, input gradient and weight gradient alike). */
function convFlops(x: Tensor, w: Tensor): number {
  const [B, , H, W] = x.shape;
  return 2 * B * H * W * w.shape[0] * w.shape[1] * w.shape[2] * w.shape[3];
}

/** Block of the direct (software-adapter) kernels: 8 pixels × 8 channels, or × 4 for layers with ≤ 4 channels. */
const directBlock = (channels: number) => ({ px: 8, oc: channels <= 4 ? 4 : 8, wg: 64 });

/** Forward without tape. `transposed`: compute the input gradient of a forward conv with weight w. */
function convRaw(gpu: Gpu, x: Tensor, w: Tensor, b: Tensor | null, relu: boolean, transposed: boolean): Tensor {
  gpu.flops += convFlops(x, w);
  if (gpu.variants.conv === 'direct')
    return conv2dDirectRaw(gpu, x, w, b, relu, transposed, directBlock(transposed ? w.shape[1] : w.shape[0]));
  const [B, Cx, H, W] = x.shape;
  const kk = w.shape[2];
  // Forward: Cin = Cx, Cout = w.O. Transposed (input grad): Cin = w.O (= Cx), Cout = w.I.
  const Cin = Cx;
  const Cout = transposed ? w.shape[1] : w.shape[0];
  const out = gpu.tensor([B, Cout, H, W], 'f32');
  const u = { B, Cin, H, W, Cout, k: kk, pad: (kk - 1) / 2, flags: (relu ? 1 : 0) | (transposed ? 2 : 0) };
  const v = variant(Cout);
  const wg = [Math.ceil((B * H * W) / tileM(v)), Math.ceil(Cout / tileN(v)), 1];
  if (b) gpu.run(pick(FWD_BIAS, v), { X: x, Wt: w, bias: b, out }, u, wg);
  else gpu.run(pick(FWD, v), { X: x, Wt: w, out }, u, wg);
  return out;
}

function weightGradRaw(gpu: Gpu, x: Tensor, g: Tensor, w: Tensor): Tensor {
  gpu.flops += convFlops(x, w);
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
  gpu.run(pick(WGRAD, v), { X: x, G: g, out: part }, { B, Cin, H, W, Cout, k: kk, pad: (kk - 1) / 2, mchunk }, [
    gx,
    gy,
    nSplits,
  ]);
  const out = gpu.tensor(w.shape, 'f32');
  gpu.run(SUM_SPLITS, { part, out }, { splits: nSplits, n });
  part.dispose();
  return out;
}

/**
 * Bias gradient Σ_{b,y,x} g. With `relu` (the saved output Y and a tensor for the masked gradient), g is first
 * masked by the ReLU adjoint, G·[Y > 0], in the same pass, and the masked gradient is written to `relu.gmask`.
 */
function biasGradRaw(gpu: Gpu, g: Tensor, relu?: { Y: Tensor; gmask: Tensor }): Tensor {
  const [B, C, H, W] = g.shape;
  const out = gpu.tensor([C], 'f32');
  if (gpu.variants.conv === 'direct') {
    // A tree reduction's barriers are emulated on software adapters (a third of a training step there): sum
    // each plane in one invocation, then the B planes of each channel.
    const part = gpu.tensor([B, C], 'f32');
    if (relu) gpu.run(RELU_BGRAD_PLANES, { G: g, Y: relu.Y, gmask: relu.gmask, out: part }, { n: B * C, H, W });
    else gpu.run(BGRAD_PLANES, { G: g, out: part }, { n: B * C, H, W });
    gpu.run(SUM_SPLITS, { part, out }, { splits: B, n: C });
    part.dispose();
    return out;
  }
  if (relu) gpu.run(RELU_BGRAD, { G: g, Y: relu.Y, gmask: relu.gmask, out }, { B, H, W, Cout: C }, [C]);
  else gpu.run(BGRAD, { G: g, out }, { B, H, W, Cout: C }, [C]);
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
    let gb: Tensor | null = null;
    const wantBias = !!b && b.requiresGrad;
    if (relu) {
      // Bias/activation epilogue of the backward pass: the ReLU adjoint rides along with the bias adjoint.
      g = gpu.tensor(y.shape, 'f32');
      if (wantBias) gb = biasGradRaw(gpu, g0, { Y: y, gmask: g });
      else gpu.run(RELU_MASK, { Y: y, G: g0, out: g }, { n: y.size });
    } else if (wantBias) gb = biasGradRaw(gpu, g0);
    const gx = x.requiresGrad ? convRaw(gpu, g, w, null, false, true) : null;
    const gw = w.requiresGrad ? weightGradRaw(gpu, x, g, w) : null;
    if (g !== g0) g.dispose();
    return b ? [gx, gw, gb] : [gx, gw];
  });
  return y;
}

export { convRaw as conv2dRaw, weightGradRaw as conv2dWeightGradRaw };
