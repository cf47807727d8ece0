/** Row gathers from a chunked GPU-resident array (src/gpu/chunkedRows.ts) into a batch. */
import gatherWgsl from '../shaders/gather.wgsl?raw';
import { ChunkedRows } from '../chunkedRows';
import type { Gpu } from '../runtime';
import { kernelFamily } from '../kernelDecl';
import type { Tensor } from '../tensor';

/** out[b, :] = src[idx[b] − row_offset, :] for the b whose idx[b] lies in [row_offset, row_offset + rows). */
const gatherParams = { batch: 'u32', row: 'u32', row_offset: 'u32', rows: 'u32' } as const;
const GATHER = kernelFamily({
  prefix: 'gather_',
  params: gatherParams,
  bindings: { src: 'read', idx: 'read', out: 'rw' },
  code: gatherWgsl,
})('main', gatherParams, { src: 'read', idx: 'read', out: 'rw' }, (p) => p.batch * p.row, { name: 'gather_rows' });

/**
 * Rows `idx` of `src` (first axis) → a new tensor (idx.size, …). Used to assemble training batches from the
 * dataset that stays resident on the GPU; only the small index list is uploaded per step. A `ChunkedRows` source
 * (a dataset split to fit the storage-binding limit) takes one dispatch per chunk, each filling the batch rows
 * that fall in it. Records no gradient (the source is data).
 */
export function gatherRows(gpu: Gpu, src: Tensor | ChunkedRows, idx: Tensor): Tensor {
  const batch = idx.size;
  if (src instanceof ChunkedRows) {
    const row = src.rowFloats;
    const out = gpu.tensor([batch, ...src.rowShape], src.dtype);
    src.chunks.forEach((chunk, k) =>
      gpu.run(GATHER, { src: chunk, idx, out }, { batch, row, row_offset: src.rowOffset(k), rows: chunk.shape[0] }),
    );
    return out;
  }
  const row = src.floats / src.shape[0];
  const out = gpu.tensor([batch, ...src.shape.slice(1)], src.dtype);
  gpu.run(GATHER, { src, idx, out }, { batch, row, row_offset: 0, rows: src.shape[0] });
  return out;
}
