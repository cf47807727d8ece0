import reduceWgsl from '../shaders/reduce.wgsl?raw';
import type { Gpu, KernelSpec } from '../kernel';
import { uniforms } from '../kernel';
import { record } from '../tape';
import type { Tensor } from '../tensor';
import { affineRaw } from './elementwise';

const PARTIAL: KernelSpec = { name: 'reduce_sum', code: reduceWgsl, entryPoint: 'partial', bindings: ['read', 'rw'] };
const BROADCAST_CHUNK = 4096;

/** Σ of all floats of x, times `scale`, into a 1-element tensor (no tape). Two or more tree passes. */
export function sumRaw(gpu: Gpu, x: Tensor, scale = 1): Tensor {
  let cur = x;
  let n = x.floats;
  let owned: Tensor | null = null;
  for (;;) {
    const groups = Math.max(1, Math.ceil(n / BROADCAST_CHUNK));
    const last = groups === 1;
    const out = gpu.tensor([groups], 'f32');
    gpu.run(PARTIAL, [cur, out], uniforms().u32(n, BROADCAST_CHUNK).f32(last ? scale : 1), [groups]);
    if (owned) owned.dispose();
    if (last) return out;
    owned = out;
    cur = out;
    n = groups;
  }
}

/** Σ x (real f32) → shape [1]; gradient broadcasts. */
export function sum(gpu: Gpu, x: Tensor): Tensor {
  const o = sumRaw(gpu, x, 1);
  record(gpu, 'sum', [x], [o], ([g]) => [g && broadcastScalar(gpu, g, x, 1)]);
  return o;
}

/** mean of x (over all floats). */
export function mean(gpu: Gpu, x: Tensor): Tensor {
  const n = x.floats;
  const o = sumRaw(gpu, x, 1 / n);
  record(gpu, 'mean', [x], [o], ([g]) => [g && broadcastScalar(gpu, g, x, 1 / n)]);
  return o;
}

import bcastWgsl from '../shaders/broadcast.wgsl?raw';
const BCAST: KernelSpec = { name: 'broadcast_scalar', code: bcastWgsl, entryPoint: 'main', bindings: ['read', 'rw'] };

/** A tensor shaped like `like`, every float = g[0]·s. */
export function broadcastScalar(gpu: Gpu, g: Tensor, like: Tensor, s: number): Tensor {
  const o = gpu.tensor(like.shape, like.dtype);
  gpu.run(BCAST, [g, o], uniforms().u32(o.floats).f32(s), gpu.grid(o.floats, 256));
  return o;
}

export { affineRaw };
