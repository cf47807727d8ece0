/** Full reductions (sum, mean) by tree passes, and the broadcast of a scalar that is their adjoint. */
import reduceWgsl from '../shaders/reduce.wgsl?raw';
import bcastWgsl from '../shaders/broadcast.wgsl?raw';
import workgroupSumWgsl from '../shaders/workgroup_sum.wgsl?raw';
import type { Gpu } from '../runtime';
import { kernelFamily } from '../kernelDecl';
import { record } from '../tape';
import type { Tensor } from '../tensor';
import { affineRaw } from './axpby';

/** out[k] = scale · Σ x[k·chunk … (k+1)·chunk) (one workgroup per chunk; the grid is given) */
const PARTIAL = kernelFamily({
  prefix: 'reduce_',
  params: { n: 'u32', chunk: 'u32', scale: 'f32' },
  bindings: { x: 'read', out: 'rw' },
  lib: workgroupSumWgsl,
  code: reduceWgsl,
})('partial', { n: 'u32', chunk: 'u32', scale: 'f32' }, { x: 'read', out: 'rw' }, undefined, { name: 'reduce_sum' });
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
    gpu.run(PARTIAL, { x: cur, out }, { n, chunk: BROADCAST_CHUNK, scale: last ? scale : 1 }, [groups]);
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

/** Adjoint of a full reduction (sum/mean): out[i] = s·g[0] */
const BCAST = kernelFamily({
  prefix: 'broadcast_',
  params: { n: 'u32', s: 'f32' },
  bindings: { g: 'read', out: 'rw' },
  code: bcastWgsl,
})('main', { n: 'u32', s: 'f32' }, { g: 'read', out: 'rw' }, 'n', {
  name: 'broadcast_scalar',
});

/** A tensor shaped like `like`, every float = g[0]·s. */
export function broadcastScalar(gpu: Gpu, g: Tensor, like: Tensor, s: number): Tensor {
  const o = gpu.tensor(like.shape, like.dtype);
  gpu.run(BCAST, { g, out: o }, { n: o.floats, s });
  return o;
}

export { affineRaw };
