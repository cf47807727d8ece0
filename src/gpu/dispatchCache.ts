/**
 * The runtime's caches for dispatch (src/gpu/runtime.ts): compiled pipelines per kernel, shader modules per WGSL
 * text, uniform buffers per packed parameter bytes and bind groups per (kernel, uniform, buffers), so a training
 * step replays without creating any of them again.
 */
import type { Kernel } from './kernelDecl';
import type { Tensor } from './tensor';

export interface CompiledKernel {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/** A storage binding: slot, buffer, byte offset and size (size 0 = the whole buffer). */
export type Binding = [number, GPUBuffer, number, number];
/** Views bind their own range; whole tensors bind the whole (pooled, possibly larger) buffer as before. */
export const bindingOf = (slot: number, t: Tensor): Binding =>
  t.base ? [slot, t.buffer, t.offset, Math.ceil(t.byteLength / 4) * 4 || 4] : [slot, t.buffer, 0, 0];

export class DispatchCache {
  private kernels = new Map<string, CompiledKernel>();
  private modules = new Map<string, GPUShaderModule>();
  private uniformCache = new Map<string, GPUBuffer>();
  private bindGroupCache = new Map<string, GPUBindGroup>();
  private bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  /** Bind groups and uniform buffers created (a replayed step creates none: everything comes from the caches). */
  readonly created = { bindGroups: 0, uniformBuffers: 0 };

  /** `flush` submits pending work before cached uniform buffers are destroyed. */
  constructor(
    private readonly device: GPUDevice,
    private readonly flush: () => void,
  ) {}

  compile(k: Kernel): CompiledKernel {
    let c = this.kernels.get(k.key);
    if (c) return c;
    const entries: GPUBindGroupLayoutEntry[] = [];
    if (k.uniformFields.length)
      entries.push({ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } });
    for (const s of k.storage)
      entries.push({
        binding: s.binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: s.access === 'read' ? 'read-only-storage' : 'storage' },
      });
    const layout = this.device.createBindGroupLayout({ entries, label: k.name });
    const module = this.shaderModule(k.code, k.name);
    const pipeline = this.device.createComputePipeline({
      label: `${k.name}:${k.entryPoint}`,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: k.entryPoint, constants: k.constants },
    });
    c = { pipeline, layout };
    this.kernels.set(k.key, c);
    return c;
  }

  /** One shader module per WGSL text (entry points of a file share it). */
  private shaderModule(code: string, label: string): GPUShaderModule {
    let m = this.modules.get(code);
    if (!m) this.modules.set(code, (m = this.device.createShaderModule({ code, label })));
    return m;
  }

  private uniformBuffer(name: string, bytes: Uint8Array): GPUBuffer {
    let key = name + ':';
    for (let i = 0; i < bytes.length; i++) key += bytes[i].toString(16).padStart(2, '0');
    let buf = this.uniformCache.get(key);
    if (!buf) {
      if (this.uniformCache.size > 8192) {
        // Shapes vary without bound only in pathological use; drop the cache rather than grow forever.
        this.flush();
        for (const b of this.uniformCache.values()) b.destroy();
        this.uniformCache.clear();
        this.bindGroupCache.clear();
      }
      this.created.uniformBuffers++;
      buf = this.device.createBuffer({
        size: bytes.byteLength,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
        mappedAtCreation: true,
      });
      new Uint8Array(buf.getMappedRange()).set(bytes);
      buf.unmap();
      this.uniformCache.set(key, buf);
    }
    return buf;
  }

  private bufferId(b: GPUBuffer): number {
    let id = this.bufferIds.get(b);
    if (id === undefined) this.bufferIds.set(b, (id = this.nextBufferId++));
    return id;
  }

  /** The bind group of one dispatch of kernel `name` (pipeline key `key`), from the cache when it was made before. */
  bindGroup(
    name: string,
    key: string,
    k: CompiledKernel,
    ubytes: Uint8Array | null,
    bufs: readonly Binding[],
  ): GPUBindGroup {
    let ubuf: GPUBuffer | null = null;
    if (ubytes) {
      ubuf = this.uniformBuffer(name, ubytes);
      key += `|u${this.bufferId(ubuf)}`;
    }
    for (const [, b, offset, size] of bufs)
      key += size ? `|${this.bufferId(b)}@${offset}+${size}` : `|${this.bufferId(b)}`;
    let bg = this.bindGroupCache.get(key);
    if (!bg) {
      const entries: GPUBindGroupEntry[] = [];
      if (ubuf) entries.push({ binding: 0, resource: { buffer: ubuf } });
      for (const [binding, b, offset, size] of bufs)
        entries.push({ binding, resource: size ? { buffer: b, offset, size } : { buffer: b } });
      bg = this.device.createBindGroup({ layout: k.layout, entries });
      this.created.bindGroups++;
      if (this.bindGroupCache.size > 16384) this.bindGroupCache.clear();
      this.bindGroupCache.set(key, bg);
    }
    return bg;
  }

  destroy(): void {
    for (const b of this.uniformCache.values()) b.destroy();
    this.uniformCache.clear();
    this.bindGroupCache.clear();
  }
}
