/**
 * GPU buffer pool: buffers are reused across training steps instead of created and destroyed per op.
 * Sizes are rounded up to size classes (quarter-power-of-two steps, ≥ 256 B) so waste stays ≤ 25 %.
 * `stats()` reports what is allocated and in use — the memory readout and the "no growth" tests use it.
 */
export const STORAGE_USAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

export function sizeClass(bytes: number): number {
  const b = Math.max(256, Math.ceil(bytes));
  const p = 2 ** Math.floor(Math.log2(b));
  if (p === b) return b;
  const step = Math.max(256, p / 4);
  return Math.ceil(b / step) * step;
}

export interface PoolStats {
  allocatedBytes: number;
  inUseBytes: number;
  peakInUseBytes: number;
  buffers: number;
  freeBuffers: number;
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private sizes = new WeakMap<GPUBuffer, number>();
  private allocated = 0;
  private inUse = 0;
  private peak = 0;
  private count = 0;
  private freeCount = 0;

  constructor(private readonly device: GPUDevice) {}

  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    let buf = list?.pop();
    if (buf) {
      this.freeCount--;
    } else {
      buf = this.device.createBuffer({ size, usage: STORAGE_USAGE() });
      this.sizes.set(buf, size);
      this.allocated += size;
      this.count++;
    }
    this.inUse += size;
    if (this.inUse > this.peak) this.peak = this.inUse;
    return buf;
  }

  release(buf: GPUBuffer): void {
    const size = this.sizes.get(buf);
    if (size === undefined) throw new Error('BufferPool.release: buffer not from this pool');
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buf);
    this.freeCount++;
    this.inUse -= size;
  }

  /** Start a new peak measurement from the current use. */
  resetPeak(): void {
    this.peak = this.inUse;
  }

  /** Destroy every free buffer (e.g. after a run, or when the device is short of memory). */
  trim(): void {
    for (const list of this.free.values()) {
      for (const b of list) {
        this.allocated -= this.sizes.get(b) ?? 0;
        this.count--;
        b.destroy();
      }
    }
    this.free.clear();
    this.freeCount = 0;
  }

  stats(): PoolStats {
    return {
      allocatedBytes: this.allocated,
      inUseBytes: this.inUse,
      peakInUseBytes: this.peak,
      buffers: this.count,
      freeBuffers: this.freeCount,
    };
  }
}
