/**
 * Per-dispatch GPU timing, for `bench --train --profile`. While a profiler is attached, every dispatch gets its own
 * compute pass: with the adapter's `timestamp-query` feature the pass writes begin/end GPU timestamps; without it
 * (SwiftShader) each dispatch is submitted alone and timed by when the queue reports it done (consecutive
 * completions, so the GPU never idles between them while the CPU encodes ahead). Either way profiling serialises
 * the work: it shows where a step goes, not how fast an unprofiled step is.
 */

export interface DispatchTiming {
  kernel: string;
  workgroups: number;
  ms: number;
}

/** WebGPU's maximum queries per set; more dispatches take more sets. */
const QUERIES_PER_SET = 4096;

export class DispatchProfiler {
  readonly method: 'timestamp-query' | 'queue-completion';
  private names: { kernel: string; workgroups: number }[] = [];
  private done: Promise<number>[] = [];
  private querySets: GPUQuerySet[] = [];
  private readonly timestamps: boolean;
  private readbacks = 0;
  private readbackMs = 0;
  private t0 = performance.now();

  constructor(private readonly device: GPUDevice) {
    this.timestamps = device.features.has('timestamp-query');
    this.method = this.timestamps ? 'timestamp-query' : 'queue-completion';
  }

  /** The pass descriptor for the next dispatch (timestamps), or undefined. */
  passDescriptor(): GPUComputePassDescriptor | undefined {
    if (!this.timestamps) return undefined;
    const q = 2 * this.names.length;
    const set = Math.floor(q / QUERIES_PER_SET);
    if (set === this.querySets.length)
      this.querySets.push(this.device.createQuerySet({ type: 'timestamp', count: QUERIES_PER_SET }));
    const j = q % QUERIES_PER_SET;
    return {
      timestampWrites: { querySet: this.querySets[set], beginningOfPassWriteIndex: j, endOfPassWriteIndex: j + 1 },
    };
  }

  /** Called after the dispatch was encoded (and, without timestamps, submitted alone). */
  dispatched(kernel: string, workgroups: number): void {
    this.names.push({ kernel, workgroups });
    if (!this.timestamps) this.done.push(this.device.queue.onSubmittedWorkDone().then(() => performance.now()));
  }

  readback(ms: number): void {
    this.readbacks++;
    this.readbackMs += ms;
  }

  /** Wait for the GPU and return the timing of every dispatch since the profiler was attached. */
  async finish(): Promise<{ dispatches: DispatchTiming[]; readbacks: number; readbackMs: number; method: string }> {
    const out: DispatchTiming[] = [];
    if (this.timestamps) {
      const n = this.names.length;
      const bytes = 8 * QUERIES_PER_SET * Math.max(this.querySets.length, 1);
      const resolve = this.device.createBuffer({
        size: bytes,
        usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
      });
      const staging = this.device.createBuffer({
        size: bytes,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      const enc = this.device.createCommandEncoder();
      this.querySets.forEach((qs, k) => {
        const count = Math.min(QUERIES_PER_SET, 2 * n - k * QUERIES_PER_SET);
        enc.resolveQuerySet(qs, 0, count, resolve, 8 * QUERIES_PER_SET * k);
      });
      enc.copyBufferToBuffer(resolve, 0, staging, 0, bytes);
      this.device.queue.submit([enc.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const t = new BigUint64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      resolve.destroy();
      staging.destroy();
      for (const qs of this.querySets) qs.destroy();
      for (let i = 0; i < n; i++) out.push({ ...this.names[i], ms: Number(t[2 * i + 1] - t[2 * i]) / 1e6 });
    } else {
      const ends = await Promise.all(this.done);
      let prev = this.t0;
      ends.forEach((e, i) => {
        out.push({ ...this.names[i], ms: Math.max(0, e - prev) });
        prev = Math.max(prev, e);
      });
    }
    return { dispatches: out, readbacks: this.readbacks, readbackMs: this.readbackMs, method: this.method };
  }
}
