import gatherWgsl from '../shaders/gather.wgsl?raw';
import indexWgsl from '../shaders/index.wgsl?raw';
import type { Gpu } from '../kernel';
import { defineKernel } from '../kernelDecl';
import type { Tensor } from '../tensor';

/** out[b, :] = src[idx[b], :] */
const GATHER = defineKernel({ name: 'gather_rows', code: indexWgsl + gatherWgsl, entryPoint: 'main', params: { rows: 'u32', row: 'u32' }, bindings: { src: 'read', idx: 'read', out: 'rw' }, workgroupSize: 256, invocations: (p) => p.rows * p.row });

/**
 * Rows `idx` of `src` (first axis) → a new tensor (idx.size, …). Used to assemble training batches from the
 * dataset that stays resident on the GPU; only the small index list is uploaded per step.
 */
export function gatherRows(gpu: Gpu, src: Tensor, idx: Tensor): Tensor {
  const rows = idx.size;
  const rowFloats = src.floats / src.shape[0];
  const out = gpu.tensor([rows, ...src.shape.slice(1)], src.dtype);
  gpu.run(GATHER, { src, idx, out }, { rows, row: rowFloats });
  return out;
}
