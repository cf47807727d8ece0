/**
 * The GPU runtime (`Gpu`): dispatch batching, upload and read-back, tensor allocation from the pool, and scopes
 * (`tidy`, src/gpu/scopes.ts) that release intermediates; pipelines, uniform buffers and bind groups come from
 * src/gpu/dispatchCache.ts. Kernels describe themselves (src/gpu/kernelDecl.ts): `run(K, { x, out }, { n, mode })`
 * binds by name and packs parameters by name.
 */
import { createGpuDevice, type AdapterSummary, type GpuDevice } from './device';
import { BufferPool, type PoolStats } from './pool';
import { bindingOf, DispatchCache, type Binding, type CompiledKernel } from './dispatchCache';
import { invocationsOf, packParams, type Kernel } from './kernelDecl';
import type { AutotuneResult } from './autotune';
import type { DispatchProfiler } from './profiler';
import { Tensor, type TensorDType } from './tensor';
import type { Tape } from './tape';
import { TensorScopes } from './scopes';

/**
 * Kernel variants: conv2d tiled (workgroup memory) or direct (register-blocked); FFT workgroup, direct (one line
 * per invocation, loops) or unrolled (one line per invocation, generated straight-line code; N ≤ 64, else direct).
 */
export interface KernelVariants {
  conv: 'tiled' | 'direct';
  fft: 'workgroup' | 'direct' | 'unrolled';
}

const MAX_WG_PER_DIM = 65535;

export class Gpu {
  readonly device: GPUDevice;
  readonly adapter: AdapterSummary;
  readonly pool: BufferPool;
  readonly lost: Promise<{ reason: string; message: string }>;
  /** The active autodiff tape, if any (set by `Tape.run`). */
  tape: Tape | null = null;

  private readonly cache: DispatchCache;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pending = 0;
  private readonly scopes = new TensorScopes();
  private stagingFree: GPUBuffer[] = [];
  /** Count of dispatches since creation (profiling, tests). */
  dispatches = 0;
  /** Bind groups and uniform buffers created (a replayed step creates none: everything comes from the caches). */
  get created(): { readonly bindGroups: number; readonly uniformBuffers: number } {
    return this.cache.created;
  }
  /** Floating-point operations the heavy ops (conv2d and its adjoints, FFT) have dispatched: FLOPs per step. */
  flops = 0;
  /** When set, every dispatch is timed on its own (src/gpu/profiler.ts; bench --train --profile). */
  profiler: DispatchProfiler | null = null;
  /**
   * Kernel variants in use: first by adapter kind (register-blocked direct kernels on software adapters, where
   * workgroup memory and barriers are emulated; tiled ones on GPUs), then by a short measurement in `create`
   * (src/gpu/autotune.ts). Tests set them to cover both.
   */
  readonly variants: KernelVariants;
  private lostInfo: { reason: string; message: string } | null = null;
  private errors: string[] = [];

  constructor(private readonly dev: GpuDevice) {
    this.device = dev.device;
    this.adapter = dev.adapter;
    this.variants = {
      conv: dev.adapter.isFallbackAdapter ? 'direct' : 'tiled',
      // Unrolled: ~5× the direct kernels' speed on SwiftShader at N 32 and 64 (falls back to direct above 64).
      fft: dev.adapter.isFallbackAdapter ? 'unrolled' : 'workgroup',
    };
    this.pool = new BufferPool(this.device);
    this.cache = new DispatchCache(this.device, () => this.flush());
    this.lost = dev.lost.then((l) => (this.lostInfo = l));
    // WebGPU reports validation errors asynchronously and otherwise only logs them: collect them and throw
    // at the next read/sync, so a broken kernel can never pass silently.
    this.device.addEventListener('uncapturederror', (ev) => {
      const msg = (ev as GPUUncapturedErrorEvent).error?.message ?? String(ev);
      if (this.errors.length < 20) this.errors.push(msg);
    });
  }

  /** Throws (and clears) the GPU errors collected since the last check. */
  checkErrors(): void {
    if (this.lostInfo) throw new Error(`GPU device lost (${this.lostInfo.reason}): ${this.lostInfo.message}`);
    if (this.errors.length) {
      const msgs = this.errors.splice(0);
      throw new Error(`WebGPU error: ${msgs.join(' | ')}`);
    }
  }

  /** A runtime on the best adapter; kernel variants follow the adapter kind until `autotune` (src/gpu/autotune.ts) measures them. */
  static async create(): Promise<Gpu> {
    return new Gpu(await createGpuDevice());
  }

  /** What the autotune measured (null when it did not run). */
  tuning: AutotuneResult | null = null;

  get isLost(): boolean {
    return this.lostInfo !== null;
  }

  // ---------------------------------------------------------------- tensors

  /** A new tensor from the pool; contents undefined unless `data` is given (then uploaded). */
  tensor(shape: readonly number[], dtype: TensorDType = 'f32', data?: ArrayLike<number>): Tensor {
    let size = 1;
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`Gpu.tensor: bad shape [${shape.join(',')}]`);
      size *= d;
    }
    const floats = dtype === 'c64' ? 2 * size : size;
    const buf = this.pool.acquire(Math.max(4, floats * 4));
    const t = new Tensor(this, buf, [...shape], dtype);
    this.scopes.add(t);
    if (data) this.upload(t, data);
    return t;
  }

  /** A tensor filled with zeros (on the GPU, no upload). */
  zeros(shape: readonly number[], dtype: TensorDType = 'f32'): Tensor {
    const t = this.tensor(shape, dtype);
    this.fill(t, 0);
    return t;
  }

  /** Overwrite a tensor's contents from the CPU. */
  upload(t: Tensor, data: ArrayLike<number>): void {
    if (data.length !== t.floats) {
      throw new RangeError(`upload ${t}: got ${data.length} floats, expected ${t.floats}`);
    }
    // queue.writeBuffer is ordered before the next submit, so pending dispatches must go first.
    this.flush();
    const arr = data instanceof Float32Array ? data : Float32Array.from(data);
    this.device.queue.writeBuffer(t.buffer, t.offset, arr.buffer, arr.byteOffset, arr.byteLength);
  }

  /** Fill with a constant (encoded, no CPU transfer). */
  fill(t: Tensor, value: number): void {
    this.flush();
    if (value === 0) {
      const enc = this.device.createCommandEncoder();
      enc.clearBuffer(t.buffer, t.offset, Math.ceil(t.byteLength / 4) * 4);
      this.device.queue.submit([enc.finish()]);
    } else {
      this.device.queue.writeBuffer(t.buffer, t.offset, new Float32Array(t.floats).fill(value));
    }
  }

  /** Copy src → dst (same byte length). */
  copy(src: Tensor, dst: Tensor): void {
    if (src.byteLength !== dst.byteLength) throw new RangeError(`copy ${src} → ${dst}: sizes differ`);
    this.copyInto(src, dst, 0);
  }

  /** Copy all of src into dst starting at float `at` (an encoder copy, not a dispatch). */
  copyInto(src: Tensor, dst: Tensor, at: number): void {
    this.copyRange(src, 0, dst, at, src.floats);
  }

  /**
   * Copy `n` floats src[srcAt…] → dst[dstAt…] as an encoder copy (no dispatch, no bind group). The two must be
   * different buffers (WebGPU forbids a copy within one buffer).
   */
  copyRange(src: Tensor, srcAt: number, dst: Tensor, dstAt: number, n: number): void {
    const ok = (at: number, t: Tensor) => Number.isInteger(at) && at >= 0 && at + n <= t.floats;
    if (!Number.isInteger(n) || n < 0 || !ok(srcAt, src) || !ok(dstAt, dst))
      throw new RangeError(`copyRange ${src}[${srcAt}…+${n}] → ${dst}[${dstAt}…]: out of range`);
    if (src.buffer === dst.buffer) throw new RangeError(`copyRange ${src} → ${dst}: same buffer`);
    if (n === 0) return;
    this.endPass();
    this.enc().copyBufferToBuffer(src.buffer, src.offset + 4 * srcAt, dst.buffer, dst.offset + 4 * dstAt, 4 * n);
    this.pending++;
  }

  /**
   * A tensor sharing `base`'s buffer from float `at` on (no copy, no allocation). Storage bindings need their offset
   * aligned to the adapter's `minStorageBufferOffsetAlignment`; src/gpu/arena.ts lays views out that way.
   */
  view(base: Tensor, at: number, shape: readonly number[], dtype: TensorDType = 'f32'): Tensor {
    let floats = dtype === 'c64' ? 2 : 1;
    for (const d of shape) floats *= d;
    if (base.base) throw new Error(`Gpu.view: ${base} is itself a view`);
    if (!Number.isInteger(at) || at < 0 || at + floats > base.floats)
      throw new RangeError(`Gpu.view: [${shape.join(',')}] at ${at} does not fit in ${base}`);
    const offset = base.offset + 4 * at;
    if (offset % this.device.limits.minStorageBufferOffsetAlignment !== 0) {
      throw new RangeError(
        `Gpu.view: byte offset ${offset} is not a multiple of minStorageBufferOffsetAlignment ${this.device.limits.minStorageBufferOffsetAlignment}`,
      );
    }
    const t = new Tensor(this, base.buffer, [...shape], dtype, offset, base);
    this.scopes.add(t);
    return t;
  }

  /** Read a tensor back to the CPU (flushes pending work). Never call inside a training step's hot loop. */
  async read(t: Tensor): Promise<Float32Array> {
    const t0 = performance.now();
    this.flush();
    const bytes = Math.ceil(t.byteLength / 4) * 4;
    const staging = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(t.buffer, t.offset, staging, 0, bytes);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    await this.device.queue.onSubmittedWorkDone();
    this.checkErrors();
    const out = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    this.profiler?.readback(performance.now() - t0);
    return t.floats === out.length ? out : out.subarray(0, t.floats);
  }

  releaseTensor(t: Tensor): void {
    if (!this.scopes.delete(t)) return;
    // A view's buffer belongs to its base.
    if (!t.base) this.pool.release(t.buffer);
  }

  /** Number of tensors alive (allocated and not disposed). */
  get liveTensors(): number {
    return this.scopes.size;
  }

  memory(): PoolStats & { liveTensors: number } {
    return { ...this.pool.stats(), liveTensors: this.scopes.size };
  }

  /**
   * Run `fn`; dispose every tensor it created except those it returns (a Tensor, an array, or an object whose
   * values are tensors) and those passed to `keep`. Like tf.tidy.
   */
  tidy<T>(fn: () => T): T {
    return this.scopes.tidy(fn);
  }

  /** Async variant of `tidy`. */
  tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
    return this.scopes.tidyAsync(fn);
  }

  /** Let `t` escape every open scope (it must then be disposed by hand). */
  keep<T extends Tensor>(t: T): T {
    this.scopes.keep(t);
    return t;
  }

  // ---------------------------------------------------------------- kernels

  /**
   * Encode one dispatch of a declared kernel: bindings and parameters by name; the grid comes from the kernel's
   * `invocations` unless `workgroups` is given. Bind groups are cached by (kernel, uniform, buffers), so a
   * training step replays without re-creation.
   */
  run(
    k: Kernel,
    buffers: Readonly<Record<string, Tensor | GPUBuffer>>,
    params?: Readonly<Record<string, number>>,
    workgroups?: readonly number[],
  ): void {
    for (const name of Object.keys(buffers)) {
      if (!k.storage.some((s) => s.name === name))
        throw new Error(
          `kernel ${k.name}: unknown binding '${name}' (bindings: ${k.storage.map((s) => s.name).join(', ')})`,
        );
    }
    const bufs = k.storage.map((s) => {
      const b = buffers[s.name];
      if (!b) throw new Error(`kernel ${k.name}: binding '${s.name}' missing`);
      return b instanceof Tensor ? bindingOf(s.binding, b) : ([s.binding, b, 0, 0] as Binding);
    });
    const ubytes = k.uniformFields.length ? packParams(k, params) : null;
    if (!k.uniformFields.length && params && Object.keys(params).length)
      throw new Error(`kernel ${k.name}: takes no params, got ${Object.keys(params).join(', ')}`);
    let wg = workgroups;
    if (!wg) {
      const n = invocationsOf(k, params);
      if (n === null) throw new Error(`kernel ${k.name}: no workgroup count given and no 'invocations' declared`);
      wg = this.grid(n, k.workgroupSize[0]);
    }
    this.encode(k, this.cache.compile(k), ubytes, bufs, wg);
  }

  private encode(
    kernel: Kernel,
    k: CompiledKernel,
    ubytes: Uint8Array | null,
    bufs: readonly Binding[],
    workgroups: readonly number[],
  ): void {
    const name = kernel.name;
    const [x, y = 1, z = 1] = workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    if (x > MAX_WG_PER_DIM || y > MAX_WG_PER_DIM || z > MAX_WG_PER_DIM) {
      throw new RangeError(`${name}: workgroup count [${x},${y},${z}] exceeds ${MAX_WG_PER_DIM}; use gpu.grid()`);
    }
    const bg = this.cache.bindGroup(name, kernel.key, k, ubytes, bufs);
    if (this.profiler) {
      // Profiling: one pass per dispatch (timestamps), or one submission per dispatch (completion times).
      this.endPass();
      const own = this.enc().beginComputePass(this.profiler.passDescriptor());
      own.setPipeline(k.pipeline);
      own.setBindGroup(0, bg);
      own.dispatchWorkgroups(x, y, z);
      own.end();
      this.dispatches++;
      this.pending++;
      if (this.profiler.method === 'queue-completion') this.flush();
      this.profiler.dispatched(name, x * y * z);
      return;
    }
    const pass = this.computePass();
    pass.setPipeline(k.pipeline);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(x, y, z);
    this.pending++;
    this.dispatches++;
    // Keep command buffers bounded so the GPU starts working while we keep encoding.
    if (this.pending >= 512) this.flush();
  }

  /** Workgroup counts for `total` invocations of a 1-D kernel with workgroup size `wg`, folded into 2-D. */
  grid(total: number, wg: number): [number, number, number] {
    const groups = Math.ceil(total / wg);
    if (groups <= MAX_WG_PER_DIM) return [groups, 1, 1];
    const y = Math.ceil(groups / MAX_WG_PER_DIM);
    return [Math.ceil(groups / y), y, 1];
  }

  private enc(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder();
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    if (!this.pass) this.pass = this.enc().beginComputePass();
    return this.pass;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Submit everything encoded so far. */
  flush(): void {
    this.endPass();
    if (this.encoder) {
      this.device.queue.submit([this.encoder.finish()]);
      this.encoder = null;
      this.pending = 0;
    }
  }

  /**
   * Submit what is encoded and return a promise that resolves when the GPU has finished it: a fence, not a
   * read-back. Training keeps a step or two in flight with it, so the CPU never runs ahead of the GPU.
   */
  fence(): Promise<void> {
    this.flush();
    return this.device.queue.onSubmittedWorkDone();
  }

  /** Wait until the GPU has finished all submitted work. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.checkErrors();
  }

  destroy(): void {
    this.flush();
    this.pool.trim();
    this.cache.destroy();
    for (const b of this.stagingFree) b.destroy();
    this.dev.destroy();
  }
}
