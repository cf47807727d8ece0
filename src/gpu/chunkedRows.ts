/** GPU-resident row-major arrays split by whole rows into binding-sized chunks, with batched row gathers. */
import type { Gpu } from './runtime';
import { sizeClass } from './pool';
import type { Tensor, TensorDType } from './tensor';

export interface ChunkedRowsOptions {
  /**
   * Largest byte length of one chunk (whole rows). Default: the device's `maxStorageBufferBindingSize`, the most a
   * kernel may bind at once (128 MiB on many browsers' default limits). Tests set it small to force several chunks.
   */
  maxChunkBytes?: number;
  dtype?: TensorDType;
}

/**
 * A row-major array (rows, ...rowShape) resident on the GPU, split by whole rows into chunks that each fit one
 * storage-buffer binding: a dataset larger than `maxStorageBufferBindingSize` (e.g. 10⁴ patterns of 64² f32,
 * ≈ 164 MB) stays resident and `gatherRows` assembles batches from it chunk by chunk. When the data fit one binding
 * (the common case) there is exactly one chunk and no overhead. The chunks are kept (outside any tidy scope):
 * the owner calls `dispose`.
 */
export class ChunkedRows {
  readonly chunks: Tensor[];
  /** Rows in every chunk but possibly the last. */
  readonly rowsPerChunk: number;
  readonly rows: number;
  readonly rowShape: number[];
  readonly dtype: TensorDType;
  /** float32 values per row (2 per complex element). */
  readonly rowFloats: number;

  constructor(gpu: Gpu, rows: number, rowShape: readonly number[], data: Float32Array, opts: ChunkedRowsOptions = {}) {
    this.dtype = opts.dtype ?? 'f32';
    this.rows = rows;
    this.rowShape = [...rowShape];
    const rowFloats = this.rowShape.reduce((a, b) => a * b, 1) * (this.dtype === 'c64' ? 2 : 1);
    this.rowFloats = rowFloats;
    if (!Number.isInteger(rows) || rows < 0 || data.length !== rows * rowFloats) {
      throw new RangeError(
        `ChunkedRows: ${data.length} floats do not make ${rows} rows of shape [${this.rowShape.join(',')}] (${this.dtype})`,
      );
    }
    const rowBytes = 4 * rowFloats;
    const lim = gpu.device.limits;
    // Kernels bind a pooled buffer whole, and the pool rounds sizes up to a size class: that rounded size must fit
    // the device's binding (and buffer) limits; `maxChunkBytes` bounds the chunk's own byte length.
    const deviceMax = Math.min(lim.maxStorageBufferBindingSize, lim.maxBufferSize);
    const maxBytes = opts.maxChunkBytes ?? deviceMax;
    const fits = (r: number): boolean => r * rowBytes <= maxBytes && sizeClass(r * rowBytes) <= deviceMax;
    if (rows > 0 && !fits(1)) {
      throw new RangeError(
        `ChunkedRows: one row of shape [${this.rowShape.join(',')}] (${rowBytes} B) exceeds the largest storage binding ` +
          `(${opts.maxChunkBytes !== undefined ? `maxChunkBytes ${maxBytes} B, ` : ''}maxStorageBufferBindingSize ${lim.maxStorageBufferBindingSize} B)`,
      );
    }
    // Largest row count that fits (both tests are monotonic in the row count): binary search.
    let lo = 1,
      hi = Math.max(1, Math.min(rows, Math.floor(maxBytes / rowBytes)));
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid - 1;
    }
    this.rowsPerChunk = lo;
    this.chunks = [];
    const nChunks = Math.max(1, Math.ceil(rows / lo));
    try {
      for (let k = 0; k < nChunks; k++) {
        const start = k * lo,
          n = Math.min(lo, rows - start);
        this.chunks.push(
          gpu.keep(
            gpu.tensor([n, ...this.rowShape], this.dtype, data.subarray(start * rowFloats, (start + n) * rowFloats)),
          ),
        );
      }
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  /** First row of chunk k. */
  rowOffset(k: number): number {
    return k * this.rowsPerChunk;
  }

  /** Bytes held on the GPU. */
  get byteLength(): number {
    return this.chunks.reduce((s, t) => s + t.byteLength, 0);
  }

  dispose(): void {
    for (const t of this.chunks) t.dispose();
  }
}
