/**
 * CBAM (Woo et al. 2018) exactly as the PyTorch reference's attention module: ChannelGate (shared MLP over global
 * average- and max-pooled features, summed, sigmoid) then SpatialGate (channel max ‖ channel mean → 7×7 conv,
 * no bias → sigmoid). Parameter names follow the reference state_dict under `…attention.`.
 */
import cbamWgsl from '../shaders/cbam.wgsl?raw';
import cbamFusedWgsl from '../shaders/cbam_fused.wgsl?raw';
import type { Gpu } from '../runtime';
import { kernelFamily, type Access, type Kernel } from '../kernelDecl';
import { record } from '../tape';
import type { Tensor } from '../tensor';
import { activation } from './activation';

const params = { B: 'u32', cin: 'u32', cout: 'u32' } as const;
const kernel = kernelFamily({
  prefix: 'cbam_',
  params,
  bindings: {
    x: 'read',
    g: 'read', // output gradient
    w: 'read', // dense weight (cout, cin)
    bias: 'read', // dense bias (cout)
    out: 'rw',
  },
  code: cbamWgsl,
});
/** out = x·wᵀ + bias */
const LINEAR = kernel('linear', params, { x: 'read', w: 'read', bias: 'read', out: 'rw' }, (p) => p.B * p.cout);
/** Adjoint of linear w.r.t. the input: gx = g·w */
const LINEAR_GX = kernel('linear_grad_x', params, { g: 'read', w: 'read', out: 'rw' }, (p) => p.B * p.cin);
/** Adjoint of linear w.r.t. weight and bias: out = [gw = gᵀ·x, gb = Σ_b g] */
const LINEAR_GW = kernel('linear_grad_w', params, { g: 'read', x: 'read', out: 'rw' }, (p) => p.cout * p.cin + p.cout);

// The fused small layers (cbam_fused.wgsl): fewer, fatter dispatches for the gates.
const fparams = { B: 'u32', C: 'u32', P: 'u32' } as const;
const fbindings = {
  x: 'read',
  g: 'read', // output gradient
  gate: 'read', // gate logits: a (2B, C) or s (B, P)
  arg: 'rw', // argmax written by the pools (exact integers in f32)
  saved_arg: 'read', // that argmax, read by the adjoints
  out: 'rw',
} as const;
const fused = kernelFamily({
  prefix: 'cbam_',
  params: fparams,
  bindings: fbindings,
  code: cbamFusedWgsl,
});
type FParams = Record<keyof typeof fparams, number>;
const f = <B extends keyof typeof fbindings>(
  entryPoint: string,
  bindings: Readonly<Record<B, Access>>,
  n: (p: FParams) => number,
) => fused(entryPoint, fparams, bindings, n);
const planes = (p: Readonly<FParams>) => p.B * p.C;
const pixels = (p: Readonly<FParams>) => p.B * p.P;
const all = (p: Readonly<FParams>) => p.B * p.C * p.P;
/** out (2B, C) = [mean_p x[b,c,p]; max_p x[b,c,p]], arg = the first argmax */
const PLANE_STATS = f('plane_stats', { x: 'read', out: 'rw', arg: 'rw' }, planes);
/** Adjoint of plane_stats: gx[b,c,p] = g[b,c]/P + g[B+b,c]·[p = argmax] */
const PLANE_STATS_GRAD = f('plane_stats_grad', { g: 'read', saved_arg: 'read', out: 'rw' }, all);
/** out = x·σ(a[b,c] + a[B+b,c]) */
const CHANNEL_GATE = f('channel_gate', { x: 'read', gate: 'read', out: 'rw' }, all);
/** Adjoint of channel_gate w.r.t. a: ga[b,c] = ga[B+b,c] = σ(1−σ)·Σ_p g·x */
const CHANNEL_GATE_GA = f('channel_gate_grad_a', { x: 'read', g: 'read', gate: 'read', out: 'rw' }, planes);
/** out (B, 2, P) = [max_c x[b,c,p]; mean_c x[b,c,p]], arg = the first argmax */
const CHANNEL_STATS = f('channel_stats', { x: 'read', out: 'rw', arg: 'rw' }, pixels);
/** Adjoint of channel_stats: gx[b,c,p] = g[b,0,p]·[c = argmax] + g[b,1,p]/C */
const CHANNEL_STATS_GRAD = f('channel_stats_grad', { g: 'read', saved_arg: 'read', out: 'rw' }, all);
/** out = x·σ(s[b,p]) */
const SPATIAL_GATE = f('spatial_gate', { x: 'read', gate: 'read', out: 'rw' }, all);
/** Adjoint of spatial_gate w.r.t. s: gs[b,p] = σ(1−σ)·Σ_c g·x */
const SPATIAL_GATE_GS = f('spatial_gate_grad_s', { x: 'read', g: 'read', gate: 'read', out: 'rw' }, pixels);

export interface CbamParams {
  'ChannelGate.mlp.1.weight': Tensor; // (C/16, C)
  'ChannelGate.mlp.1.bias': Tensor;
  'ChannelGate.mlp.3.weight': Tensor; // (C, C/16)
  'ChannelGate.mlp.3.bias': Tensor;
  'SpatialGate.compress.weight': Tensor; // (1, 2, 7, 7)
}

type FusedKernel = Kernel<keyof typeof fparams, string>;

/** A one-pass reduction of x (argmax saved for its adjoint) → `shape`; arg holds `args` indices. */
function stats(gpu: Gpu, x: Tensor, op: string, shape: number[], args: number, k: [FusedKernel, FusedKernel]): Tensor {
  const [B, C, H, W] = x.shape;
  const u = { B, C, P: H * W };
  const out = gpu.tensor(shape, 'f32');
  const arg = gpu.tensor([args], 'f32');
  gpu.run(k[0], { x, out, arg }, u);
  record(gpu, op, [x], [out], ([g]) => {
    if (!g) return [null];
    const gx = gpu.tensor(x.shape, 'f32');
    gpu.run(k[1], { g, saved_arg: arg, out: gx }, u);
    return [gx];
  });
  if (!(gpu.tape && x.requiresGrad)) arg.dispose();
  return out;
}

/**
 * x times σ of the logits `a` broadcast (one pass), with its adjoints: kernels [fwd, ga]; the gate is linear in x,
 * so the adjoint w.r.t. x is the forward kernel run on g.
 */
function gate(gpu: Gpu, x: Tensor, a: Tensor, op: string, k: [FusedKernel, FusedKernel]): Tensor {
  const [B, C, H, W] = x.shape;
  const u = { B, C, P: H * W };
  const out = gpu.tensor(x.shape, 'f32');
  gpu.run(k[0], { x, gate: a, out }, u);
  record(gpu, op, [x, a], [out], ([g]) => {
    if (!g) return [null, null];
    let gx: Tensor | null = null;
    let ga: Tensor | null = null;
    if (x.requiresGrad) gpu.run(k[0], { x: g, gate: a, out: (gx = gpu.tensor(x.shape, 'f32')) }, u);
    if (a.requiresGrad) gpu.run(k[1], { x, g, gate: a, out: (ga = gpu.tensor(a.shape, 'f32')) }, u);
    return [gx, ga];
  });
  return out;
}

/** Global average and max pool over H×W, stacked: (2B, C) = [means; maxima] (one pass; the MLP then runs once on both). */
export function planeStats(gpu: Gpu, x: Tensor): Tensor {
  const [B, C] = x.shape;
  return stats(gpu, x, 'planeStats', [2 * B, C], B * C, [PLANE_STATS, PLANE_STATS_GRAD]);
}

/** Channel gate x·σ(a[b] + a[B + b]) for a (2B, C) = the shared MLP of planeStats (the sum, sigmoid and broadcast in one pass). */
export function channelGate(gpu: Gpu, x: Tensor, a: Tensor): Tensor {
  const [B, C] = x.shape;
  if (a.size !== 2 * B * C) throw new Error(`channelGate: logits ${a} for ${x} (expected (2·${B}, ${C}))`);
  return gate(gpu, x, a, 'channelGate', [CHANNEL_GATE, CHANNEL_GATE_GA]);
}

/** Max and mean over channels as the (B, 2, H, W) map [max; mean] the spatial gate's 7×7 conv reads (one pass). */
export function channelStats(gpu: Gpu, x: Tensor): Tensor {
  const [B, , H, W] = x.shape;
  return stats(gpu, x, 'channelStats', [B, 2, H, W], B * H * W, [CHANNEL_STATS, CHANNEL_STATS_GRAD]);
}

/** Spatial gate x·σ(s) for s (B, 1, H, W) (sigmoid and broadcast in one pass). */
export function spatialGate(gpu: Gpu, x: Tensor, s: Tensor): Tensor {
  const [B, , H, W] = x.shape;
  if (s.size !== B * H * W) throw new Error(`spatialGate: logits ${s} for ${x} (expected (${B}, 1, ${H}, ${W}))`);
  return gate(gpu, x, s, 'spatialGate', [SPATIAL_GATE, SPATIAL_GATE_GS]);
}

/** Dense layer y = x·Wᵀ + b, x (B, Cin) (any shape with B·Cin elements), W (Cout, Cin), b (Cout) → (B, Cout). */
export function linear(gpu: Gpu, x: Tensor, w: Tensor, b: Tensor): Tensor {
  const [cout, cin] = w.shape;
  const B = x.size / cin;
  if (!Number.isInteger(B) || b.size !== cout) throw new Error(`linear: x ${x}, W ${w}, b ${b}`);
  const out = gpu.tensor([B, cout], 'f32');
  const u = { B, cin, cout };
  gpu.run(LINEAR, { x, w, bias: b, out }, u);
  record(gpu, 'linear', [x, w, b], [out], ([g]) => {
    if (!g) return [null, null, null];
    let gx: Tensor | null = null;
    if (x.requiresGrad) {
      gx = gpu.tensor(x.shape, 'f32');
      gpu.run(LINEAR_GX, { g, w, out: gx }, u);
    }
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (w.requiresGrad || b.requiresGrad) {
      const both = gpu.tensor([cout * cin + cout], 'f32');
      gpu.run(LINEAR_GW, { g, x, out: both }, u);
      gw = gpu.tensor(w.shape, 'f32');
      gb = gpu.tensor(b.shape, 'f32');
      gpu.copyRange(both, 0, gw, 0, cout * cin);
      gpu.copyRange(both, cout * cin, gb, 0, cout);
      both.dispose();
    }
    return [gx, gw, gb];
  });
  return out;
}

export type Conv2dFn = (gpu: Gpu, x: Tensor, w: Tensor, b: Tensor | null, opts?: { relu?: boolean }) => Tensor;

/**
 * The whole CBAM block. `conv2d` is injected (ops/conv.ts) to keep the op families independent. The reference's
 * mlp(avg) + mlp(max) runs as one MLP over the stacked (2B, C) pools; sum, sigmoid and broadcast sit in the gates.
 */
export function cbam(gpu: Gpu, x: Tensor, p: CbamParams, conv2d: Conv2dFn): Tensor {
  const h = activation(
    gpu,
    linear(gpu, planeStats(gpu, x), p['ChannelGate.mlp.1.weight'], p['ChannelGate.mlp.1.bias']),
    'relu',
  );
  const x1 = channelGate(gpu, x, linear(gpu, h, p['ChannelGate.mlp.3.weight'], p['ChannelGate.mlp.3.bias']));
  return spatialGate(gpu, x1, conv2d(gpu, channelStats(gpu, x1), p['SpatialGate.compress.weight'], null));
}
