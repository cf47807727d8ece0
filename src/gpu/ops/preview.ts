import previewWgsl from '../shaders/preview.wgsl?raw';
import type { Gpu, KernelSpec } from '../kernel';
import { uniforms } from '../kernel';
import type { Tensor } from '../tensor';

const PREVIEW: KernelSpec = { name: 'complex_preview', code: previewWgsl, entryPoint: 'main', bindings: ['read', 'rw'] };

/** Box factor that brings the longer side of an (H, W) image to ≤ maxSide. */
export function previewFactor(H: number, W: number, maxSide: number): number {
  return Math.max(1, Math.ceil(Math.max(H, W) / maxSide));
}

/**
 * A complex (H, W) image box-downsampled by `f` on the GPU to (ceil(H/f), ceil(W/f), 2) = [mean |z|, arg Σ z]:
 * the live training preview crosses to the page at display size, never the full-resolution object.
 */
export function complexPreviewGpu(gpu: Gpu, z: Tensor, f: number): Tensor {
  if (z.dtype !== 'c64' || z.shape.length !== 2) throw new Error(`complexPreviewGpu: expected complex (H, W), got ${z}`);
  const [H, W] = z.shape;
  const h = Math.ceil(H / f), w = Math.ceil(W / f);
  const out = gpu.tensor([h, w], 'c64');
  gpu.run(PREVIEW, [z, out], uniforms().u32(W, H, w, h, f, 0, 0, 0), gpu.grid(w * h, 64));
  return out;
}
