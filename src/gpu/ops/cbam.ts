import cbamWgsl from '../shaders/cbam.wgsl?raw';
import type { Gpu, KernelSpec } from '../kernel';
import { uniforms } from '../kernel';
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
const B4 = ['read', 'read', 'rw', 'rw'] as const;
const k = (entryPoint: string): KernelSpec => ({ name: `cbam_${entryPoint}`, code: cbamWgsl, entryPoint, bindings: B4 });
const PLANE = k('plane_reduce');
const PLANE_GRAD = k('plane_reduce_grad');
const CHAN = k('channel_reduce');
const CHAN_GRAD = k('channel_reduce_grad');
const LINEAR = k('linear');
const LINEAR_GX = k('linear_grad_x');
const LINEAR_GW = k('linear_grad_w');

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
  const mode = kind === 'avg' ? 0 : 1;
  const out = gpu.tensor([B, C, 1, 1], 'f32');
  const arg = kind === 'max' ? gpu.tensor([B * C], 'f32') : null;
  const u = uniforms().u32(B, C, P, mode, 0, 0);
  gpu.run(PLANE, [x, x, out, arg ?? gpu.dummy], u, gpu.grid(B * C, 256));
  record(gpu, `globalPool_${kind}`, [x], [out], ([g]) => {
    if (!g) return [null];
    const gx = gpu.tensor(x.shape, 'f32');
    gpu.run(PLANE_GRAD, [g, g, gx, arg ?? gpu.dummy], u, gpu.grid(x.size, 256));
    return [gx];
  });
  if (arg && !(gpu.tape && x.requiresGrad)) arg.dispose();
  return out;
}

/** Max or mean over channels → (B, 1, H, W). */
export function channelPool(gpu: Gpu, x: Tensor, kind: 'mean' | 'max'): Tensor {
  const [B, C, H, W] = x.shape;
  const P = H * W;
  const mode = kind === 'mean' ? 0 : 1;
  const out = gpu.tensor([B, 1, H, W], 'f32');
  const arg = kind === 'max' ? gpu.tensor([B * P], 'f32') : null;
  const u = uniforms().u32(B, C, P, mode, 0, 0);
  gpu.run(CHAN, [x, x, out, arg ?? gpu.dummy], u, gpu.grid(B * P, 256));
  record(gpu, `channelPool_${kind}`, [x], [out], ([g]) => {
    if (!g) return [null];
    const gx = gpu.tensor(x.shape, 'f32');
    gpu.run(CHAN_GRAD, [g, g, gx, arg ?? gpu.dummy], u, gpu.grid(x.size, 256));
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
  const u = uniforms().u32(B, 0, 0, 0, cin, cout);
  gpu.run(LINEAR, [x, w, out, b], u, gpu.grid(B * cout, 256));
  record(gpu, 'linear', [x, w, b], [out], ([g]) => {
    if (!g) return [null, null, null];
    let gx: Tensor | null = null;
    if (x.requiresGrad) {
      gx = gpu.tensor(x.shape, 'f32');
      gpu.run(LINEAR_GX, [g, w, gx, gpu.dummy], u, gpu.grid(B * cin, 256));
    }
    let gw: Tensor | null = null;
    let gb: Tensor | null = null;
    if (w.requiresGrad || b.requiresGrad) {
      const both = gpu.tensor([cout * cin + cout], 'f32');
      gpu.run(LINEAR_GW, [g, x, both, gpu.dummy], u, gpu.grid(cout * cin + cout, 256));
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
