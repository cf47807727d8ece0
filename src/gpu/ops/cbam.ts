import cbamWgsl from '../shaders/cbam.wgsl?raw';
import indexWgsl from '../shaders/index.wgsl?raw';
import type { Gpu } from '../kernel';
import { defineKernel, type Access } from '../kernelDecl';
import { record } from '../tape';
import type { Tensor } from '../tensor';
import { activation } from './activation';
import { add } from './elementwise';
import { copyRangeRaw } from './copyRange';
import { broadcastMul, concatChannels, reshape } from './layout';

/**
 * CBAM (Woo et al. 2018) exactly as ptycho_torch/model_attention.py: ChannelGate (shared MLP over global
 * average- and max-pooled features, summed, sigmoid) then SpatialGate (channel max ‖ channel mean → 7×7 conv,
 * no bias → sigmoid). Parameter names follow the reference state_dict under `…attention.`.
 */
const code = indexWgsl + cbamWgsl;
const params = { B: 'u32', C: 'u32', P: 'u32', cin: 'u32', cout: 'u32' } as const;
type Params = Record<keyof typeof params, number>;
/** Every kernel of cbam.wgsl shares its struct Params; the fields a kernel does not read are 0. */
const U = (p: Partial<Params>): Params => ({ B: 0, C: 0, P: 0, cin: 0, cout: 0, ...p });
const k = <B extends string>(entryPoint: string, bindings: Readonly<Record<B, Access>>, invocations: (p: Readonly<Params>) => number) =>
  defineKernel({ name: `cbam_${entryPoint}`, code, entryPoint, params, bindings, workgroupSize: 256, invocations });
const planes = (p: Readonly<Params>) => p.B * p.C;
const pixels = (p: Readonly<Params>) => p.B * p.P;
const all = (p: Readonly<Params>) => p.B * p.C * p.P;
/** out[b,c] = mean_p x[b,c,p] */
const PLANE_MEAN = k('plane_mean', { x: 'read', out: 'rw' }, planes);
/** out[b,c] = max_p x[b,c,p], arg = its first argmax */
const PLANE_MAX = k('plane_max', { x: 'read', out: 'rw', arg: 'rw' }, planes);
/** Adjoint of plane_mean: gx[b,c,p] = g[b,c]/P */
const PLANE_MEAN_GRAD = k('plane_mean_grad', { g: 'read', out: 'rw' }, all);
/** Adjoint of plane_max: gx[b,c,p] = g[b,c]·[p = argmax] */
const PLANE_MAX_GRAD = k('plane_max_grad', { g: 'read', saved_arg: 'read', out: 'rw' }, all);
/** out[b,p] = mean_c x[b,c,p] */
const CHAN_MEAN = k('channel_mean', { x: 'read', out: 'rw' }, pixels);
/** out[b,p] = max_c x[b,c,p], arg = its first argmax */
const CHAN_MAX = k('channel_max', { x: 'read', out: 'rw', arg: 'rw' }, pixels);
/** Adjoint of channel_mean: gx[b,c,p] = g[b,p]/C */
const CHAN_MEAN_GRAD = k('channel_mean_grad', { g: 'read', out: 'rw' }, all);
/** Adjoint of channel_max: gx[b,c,p] = g[b,p]·[c = argmax] */
const CHAN_MAX_GRAD = k('channel_max_grad', { g: 'read', saved_arg: 'read', out: 'rw' }, all);
/** out = x·wᵀ + bias */
const LINEAR = k('linear', { x: 'read', w: 'read', bias: 'read', out: 'rw' }, (p) => p.B * p.cout);
/** Adjoint of linear w.r.t. the input: gx = g·w */
const LINEAR_GX = k('linear_grad_x', { g: 'read', w: 'read', out: 'rw' }, (p) => p.B * p.cin);
/** Adjoint of linear w.r.t. weight and bias: out = [gw = gᵀ·x, gb = Σ_b g] */
const LINEAR_GW = k('linear_grad_w', { g: 'read', x: 'read', out: 'rw' }, (p) => p.cout * p.cin + p.cout);

export interface CbamParams {
  'ChannelGate.mlp.1.weight': Tensor; // (C/16, C)
  'ChannelGate.mlp.1.bias': Tensor;
  'ChannelGate.mlp.3.weight': Tensor; // (C, C/16)
  'ChannelGate.mlp.3.bias': Tensor;
  'SpatialGate.compress.weight': Tensor; // (1, 2, 7, 7)
}

/** Global average or max pool over H×W → (B, C, 1, 1). */
export function globalPool(gpu: Gpu, x: Tensor, kind: 'avg' | 'max'): Tensor {
  const [B, C, H, W] = x.shape;
  const P = H * W;
  const out = gpu.tensor([B, C, 1, 1], 'f32');
  const arg = kind === 'max' ? gpu.tensor([B * C], 'f32') : null;
  const u = U({ B, C, P });
  if (arg) gpu.run(PLANE_MAX, { x, out, arg }, u);
  else gpu.run(PLANE_MEAN, { x, out }, u);
  record(gpu, `globalPool_${kind}`, [x], [out], ([g]) => {
    if (!g) return [null];
    const gx = gpu.tensor(x.shape, 'f32');
    if (arg) gpu.run(PLANE_MAX_GRAD, { g, saved_arg: arg, out: gx }, u);
    else gpu.run(PLANE_MEAN_GRAD, { g, out: gx }, u);
    return [gx];
  });
  if (arg && !(gpu.tape && x.requiresGrad)) arg.dispose();
  return out;
}

/** Max or mean over channels → (B, 1, H, W). */
export function channelPool(gpu: Gpu, x: Tensor, kind: 'mean' | 'max'): Tensor {
  const [B, C, H, W] = x.shape;
  const P = H * W;
  const out = gpu.tensor([B, 1, H, W], 'f32');
  const arg = kind === 'max' ? gpu.tensor([B * P], 'f32') : null;
  const u = U({ B, C, P });
  if (arg) gpu.run(CHAN_MAX, { x, out, arg }, u);
  else gpu.run(CHAN_MEAN, { x, out }, u);
  record(gpu, `channelPool_${kind}`, [x], [out], ([g]) => {
    if (!g) return [null];
    const gx = gpu.tensor(x.shape, 'f32');
    if (arg) gpu.run(CHAN_MAX_GRAD, { g, saved_arg: arg, out: gx }, u);
    else gpu.run(CHAN_MEAN_GRAD, { g, out: gx }, u);
    return [gx];
  });
  if (arg && !(gpu.tape && x.requiresGrad)) arg.dispose();
  return out;
}

/** Dense layer y = x·Wᵀ + b, x (B, Cin) (any shape with B·Cin elements), W (Cout, Cin), b (Cout) → (B, Cout). */
export function linear(gpu: Gpu, x: Tensor, w: Tensor, b: Tensor): Tensor {
  const [cout, cin] = w.shape;
  const B = x.size / cin;
  if (!Number.isInteger(B) || b.size !== cout) throw new Error(`linear: x ${x}, W ${w}, b ${b}`);
  const out = gpu.tensor([B, cout], 'f32');
  const u = U({ B, cin, cout });
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
      copyRangeRaw(gpu, both, 0, gw, 0, cout * cin);
      copyRangeRaw(gpu, both, cout * cin, gb, 0, cout);
      both.dispose();
    }
    return [gx, gw, gb];
  });
  return out;
}

export type Conv2dFn = (gpu: Gpu, x: Tensor, w: Tensor, b: Tensor | null, opts?: { relu?: boolean }) => Tensor;

/** The whole CBAM block. `conv2d` is injected (ops/conv.ts) to keep the op families independent. */
export function cbam(gpu: Gpu, x: Tensor, p: CbamParams, conv2d: Conv2dFn): Tensor {
  const [B, C] = x.shape;
  const mlp = (v: Tensor) => {
    const h = activation(gpu, linear(gpu, v, p['ChannelGate.mlp.1.weight'], p['ChannelGate.mlp.1.bias']), 'relu');
    return linear(gpu, h, p['ChannelGate.mlp.3.weight'], p['ChannelGate.mlp.3.bias']);
  };
  const att = add(gpu, mlp(globalPool(gpu, x, 'avg')), mlp(globalPool(gpu, x, 'max')));
  const channelGate = reshape(gpu, activation(gpu, att, 'sigmoid'), [B, C, 1, 1]);
  const x1 = broadcastMul(gpu, x, channelGate);
  const compressed = concatChannels(gpu, [channelPool(gpu, x1, 'max'), channelPool(gpu, x1, 'mean')]);
  const spatial = activation(gpu, conv2d(gpu, compressed, p['SpatialGate.compress.weight'], null), 'sigmoid');
  return broadcastMul(gpu, x1, spatial);
}
