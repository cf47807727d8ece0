import copyWgsl from '../shaders/copy_range.wgsl?raw';
import type { Gpu, KernelSpec } from '../kernel';
import { uniforms } from '../kernel';
import type { Tensor } from '../tensor';

const COPY: KernelSpec = { name: 'copy_range', code: copyWgsl, entryPoint: 'main', bindings: ['read', 'rw'] };

/** Copy `n` floats from src[srcOff…] to dst[dstOff…] (no tape). */
export function copyRangeRaw(gpu: Gpu, src: Tensor, srcOff: number, dst: Tensor, dstOff: number, n: number): void {
  if (srcOff + n > src.floats || dstOff + n > dst.floats) throw new RangeError(`copyRange: out of range (${src} → ${dst})`);
  gpu.run(COPY, [src, dst], uniforms().u32(n, srcOff, dstOff), gpu.grid(n, 256));
}
