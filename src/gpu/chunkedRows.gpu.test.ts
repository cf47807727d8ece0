/** Tests of ChunkedRows (src/gpu/chunkedRows.ts): row gathers across chunk boundaries vs a CPU gather. */
import { describe, expect, it } from 'vitest';
import { ChunkedRows } from './chunkedRows';
import { gatherRows } from './ops/gather';
import { getTestGpu } from '../testing/gpu';

/** CPU reference: out[b, :] = src[idx[b], :]. */
function cpuGather(src: Float32Array, rowFloats: number, idx: number[]): Float32Array {
  const out = new Float32Array(idx.length * rowFloats);
  idx.forEach((r, b) => out.set(src.subarray(r * rowFloats, (r + 1) * rowFloats), b * rowFloats));
  return out;
}

describe('ChunkedRows', () => {
  it('gatherRows from several chunks equals a CPU gather exactly', async () => {
    const gpu = await getTestGpu();
    const rowShape = [2, 3, 2];
    const rowFloats = 12;
    const rows = 10;
    const data = Float32Array.from({ length: rows * rowFloats }, (_, i) => Math.sin(i * 0.37) * 100 + i);
    // 3 rows per chunk (plus a little slack that holds no whole row): chunks of 3, 3, 3, 1 rows.
    const set = new ChunkedRows(gpu, rows, rowShape, data, { maxChunkBytes: 3 * rowFloats * 4 + 20 });
    try {
      expect(set.rowsPerChunk).toBe(3);
      expect(set.chunks.map((c) => c.shape[0])).toEqual([3, 3, 3, 1]);
      expect(set.chunks.every((c) => c.byteLength <= 3 * rowFloats * 4 + 20)).toBe(true);
      expect(set.byteLength).toBe(rows * rowFloats * 4);
      expect(set.rows).toBe(rows);
      expect(set.rowShape).toEqual(rowShape);
      // Every chunk, unordered, with repeats.
      const idx = [9, 0, 4, 4, 7, 2, 9, 3, 1, 8, 5, 6, 0, 5];
      const out = await gpu.tidyAsync(async () => {
        const t = gatherRows(gpu, set, gpu.tensor([idx.length], 'f32', idx));
        expect(t.shape).toEqual([idx.length, ...rowShape]);
        return gpu.read(t);
      });
      expect(Array.from(out)).toEqual(Array.from(cpuGather(data, rowFloats, idx)));
      // A batch inside one chunk only (other chunks' dispatches must write nothing).
      const idx2 = [5, 3, 4];
      const out2 = await gpu.tidyAsync(async () => gpu.read(gatherRows(gpu, set, gpu.tensor([3], 'f32', idx2))));
      expect(Array.from(out2)).toEqual(Array.from(cpuGather(data, rowFloats, idx2)));
    } finally {
      set.dispose();
    }
    expect(set.chunks.every((c) => c.isDisposed)).toBe(true);
  });

  it('is one chunk when the data fit, and gathers like a plain tensor', async () => {
    const gpu = await getTestGpu();
    const data = Float32Array.from({ length: 5 * 3 }, (_, i) => i);
    const set = new ChunkedRows(gpu, 5, [3], data);
    try {
      expect(set.chunks.length).toBe(1);
      expect(set.rowsPerChunk).toBe(5);
      expect(set.chunks[0].shape).toEqual([5, 3]);
      expect(set.byteLength).toBe(60);
      const out = await gpu.tidyAsync(async () => gpu.read(gatherRows(gpu, set, gpu.tensor([2], 'f32', [4, 1]))));
      expect(Array.from(out)).toEqual([12, 13, 14, 3, 4, 5]);
      // Exactly at the limit: still one chunk.
      const exact = new ChunkedRows(gpu, 5, [3], data, { maxChunkBytes: 60 });
      expect(exact.chunks.length).toBe(1);
      exact.dispose();
    } finally {
      set.dispose();
    }
  });

  it('refuses a row larger than the limit, naming the sizes', async () => {
    const gpu = await getTestGpu();
    const data = new Float32Array(4 * 64);
    expect(() => new ChunkedRows(gpu, 4, [8, 8], data, { maxChunkBytes: 255 })).toThrow(/256 B.*maxChunkBytes 255 B/);
    const lim = gpu.device.limits.maxStorageBufferBindingSize;
    expect(() => new ChunkedRows(gpu, 4, [8, 8], data, { maxChunkBytes: 255 })).toThrow(
      new RegExp(`maxStorageBufferBindingSize ${lim} B`),
    );
    expect(() => new ChunkedRows(gpu, 3, [8, 8], data)).toThrow(/256 floats do not make 3 rows/);
  });
});
