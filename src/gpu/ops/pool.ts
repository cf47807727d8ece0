import poolWgsl from '../shaders/pool.wgsl?raw';
import type { Gpu, KernelSpec } from '../kernel';
import { uniforms } from '../kernel';
import { record } from '../tape';
import type { Tensor } from '../tensor';

/** MaxPool2d(2) and Upsample(scale_factor=2, mode='nearest') on NCHW tensors, with gather adjoints. */
const k = (entryPoint: string): KernelSpec => ({ name: `pool_${entryPoint}`, code: poolWgsl, entryPoint, bindings: ['read', 'read', 'rw'] });
const MAXPOOL = k('maxpool');
const MAXPOOL_GRAD = k('maxpool_grad');
const UP = k('upsample');
const UP_GRAD = k('upsample_grad');

function nchw(x: Tensor, op: string): [number, number, number, number] {
  if (x.shape.length !== 4 || x.dtype !== 'f32') throw new Error(`${op}: expected a real NCHW tensor, got ${x}`);
  return x.shape as unknown as [number, number, number, number];
}

export function maxPool2x2(gpu: Gpu, x: Tensor): Tensor {
  const [B, C, H, W] = nchw(x, 'maxPool2x2');
  const out = gpu.tensor([B, C, Math.floor(H / 2), Math.floor(W / 2)], 'f32');
  const u = uniforms().u32(B * C, H, W);
  gpu.run(MAXPOOL, [x, x, out], u, gpu.grid(out.size, 256));
  record(gpu, 'maxPool2x2', [x], [out], ([g]) => {
    if (!g) return [null];
    const gx = gpu.tensor(x.shape, 'f32');
    gpu.run(MAXPOOL_GRAD, [x, g, gx], u, gpu.grid(x.size, 256));
    return [gx];
  });
  return out;
}

export function upsample2x(gpu: Gpu, x: Tensor): Tensor {
  const [B, C, H, W] = nchw(x, 'upsample2x');
  const out = gpu.tensor([B, C, 2 * H, 2 * W], 'f32');
  const u = uniforms().u32(B * C, H, W);
  gpu.run(UP, [x, x, out], u, gpu.grid(out.size, 256));
  record(gpu, 'upsample2x', [x], [out], ([g]) => {
    if (!g) return [null];
    const gx = gpu.tensor(x.shape, 'f32');
    gpu.run(UP_GRAD, [g, g, gx], u, gpu.grid(x.size, 256));
    return [gx];
  });
  return out;
}
