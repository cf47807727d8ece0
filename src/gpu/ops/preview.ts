/** Downsampled previews of a complex image: mean amplitude and the phase of the sum over f×f boxes. */
import previewWgsl from '../shaders/preview.wgsl?raw';
import type { Gpu } from '../runtime';
import { kernelFamily } from '../kernelDecl';
import type { Tensor } from '../tensor';

/** out[y, x] = [mean |z|, arg Σ z] over the f×f box of z at (f·y, f·x) */
const previewParams = { W: 'u32', H: 'u32', w: 'u32', h: 'u32', f: 'u32' } as const;
const PREVIEW = kernelFamily({
  prefix: 'preview_',
  params: previewParams,
  bindings: { z: { access: 'read', type: 'array<vec2<f32>>' }, out: { access: 'rw', type: 'array<vec2<f32>>' } },
  code: previewWgsl,
  workgroupSize: 64,
})('main', previewParams, { z: 'read', out: 'rw' }, (p) => p.w * p.h, { name: 'complex_preview' });

/** Box factor that brings the longer side of an (H, W) image to ≤ maxSide. */
export function previewFactor(H: number, W: number, maxSide: number): number {
  return Math.max(1, Math.ceil(Math.max(H, W) / maxSide));
}

/**
 * A complex (H, W) image box-downsampled by `f` on the GPU to (ceil(H/f), ceil(W/f), 2) = [mean |z|, arg Σ z]:
 * the live training preview crosses to the page at display size, never the full-resolution object.
 */
export function complexPreviewGpu(gpu: Gpu, z: Tensor, f: number): Tensor {
  if (z.dtype !== 'c64' || z.shape.length !== 2)
    throw new Error(`complexPreviewGpu: expected complex (H, W), got ${z}`);
  const [H, W] = z.shape;
  const h = Math.ceil(H / f),
    w = Math.ceil(W / f);
  const out = gpu.tensor([h, w], 'c64');
  gpu.run(PREVIEW, { z, out }, { W, H, w, h, f });
  return out;
}
