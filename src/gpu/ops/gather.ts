import gatherWgsl from '../shaders/gather.wgsl?raw';
import type { Gpu, KernelSpec } from '../kernel';
import { uniforms } from '../kernel';
import type { Tensor } from '../tensor';

const GATHER: KernelSpec = { name: 'gather_rows', code: gatherWgsl, entryPoint: 'main', bindings: ['read', 'read', 'rw'] };

/**
 * Rows `idx` of `src` (first axis) → a new tensor (idx.size, …). Used to assemble training batches from the
 * dataset that stays resident on the GPU; only the small index list is uploaded per step.
 */
export function gatherRows(gpu: Gpu, src: Tensor, idx: Tensor): Tensor {
  const rows = idx.size;
  const rowFloats = src.floats / src.shape[0];
  const out = gpu.tensor([rows, ...src.shape.slice(1)], src.dtype);
  gpu.run(GATHER, [src, idx, out], uniforms().u32(rows, rowFloats), gpu.grid(rows * rowFloats, 256));
  return out;
}
