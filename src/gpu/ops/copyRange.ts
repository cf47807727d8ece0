import copyWgsl from '../shaders/copy_range.wgsl?raw';
import indexWgsl from '../shaders/index.wgsl?raw';
import type { Gpu } from '../kernel';
import { defineKernel } from '../kernelDecl';
import type { Tensor } from '../tensor';

const params = { n: 'u32', src_off: 'u32', dst_off: 'u32' } as const;
/** dst[dst_off + i] = src[src_off + i], i < n */
const COPY = defineKernel({ name: 'copy_range', code: indexWgsl + copyWgsl, entryPoint: 'main', params, bindings: { src: 'read', dst: 'rw' }, workgroupSize: 256, invocations: 'n' });

/** Copy `n` floats from src[srcOff…] to dst[dstOff…] (no tape). */
export function copyRangeRaw(gpu: Gpu, src: Tensor, srcOff: number, dst: Tensor, dstOff: number, n: number): void {
  if (srcOff + n > src.floats || dstOff + n > dst.floats) throw new RangeError(`copyRange: out of range (${src} → ${dst})`);
  gpu.run(COPY, { src, dst }, { n, src_off: srcOff, dst_off: dstOff });
}
