import wgsl from '../shaders/reassemble.wgsl?raw';
import type { Gpu, KernelSpec } from '../kernel';
import { uniforms } from '../kernel';
import { record } from '../tape';
import type { Tensor } from '../tensor';

/**
 * Sub-pixel translation and the training-time merge / re-extraction of a group's patches (reference
 * helper.Translation, reassemble_patches_position_real with central_mask weighting, extract_channels_from_region;
 * golden README §1–2). Gradients flow to the images / patches; offsets are data (no gradient).
 * Source coordinates are computed directly (x − ox), not through torch's float32 normalised grid (golden §8.1),
 * so results match the reference's float64 run.
 */
const BIND = ['read', 'read', 'read', 'rw', 'rw'] as const;
const k = (entryPoint: string): KernelSpec => ({ name: `reassemble_${entryPoint}`, code: wgsl, entryPoint, bindings: BIND });
const TRANSLATE = k('translate');
const TRANSLATE_GRAD = k('translate_grad');
const MERGE = k('merge');
const MERGE_GRAD = k('merge_grad');
const EXTRACT = k('extract');
const EXTRACT_GRAD = k('extract_grad');

/** Torch's padded canvas size for the merge: N + (gridsize − 1)·4 (max_neighbor_distance 3 → 4). */
export function paddedSize(N: number, gridsize: number): number {
  return N + (gridsize - 1) * 4;
}

function checkOffsets(off: Tensor, n: number, what: string): void {
  if (off.dtype !== 'f32' || off.size !== 2 * n) throw new Error(`${what}: offsets ${off} must hold ${n} [x, y] pairs`);
}

/** out(x, y) = img(x − ox, y − oy) per image; img (n, H, W) complex, offsets (n, 2). */
export function translate(gpu: Gpu, img: Tensor, offsets: Tensor): Tensor {
  const [n, H, W] = img.shape;
  if (img.dtype !== 'c64' || img.shape.length !== 3) throw new Error(`translate: expected complex (n, H, W), got ${img}`);
  checkOffsets(offsets, n, 'translate');
  const u = uniforms().u32(n, 0, 0, 0, H, W, 0);
  const out = gpu.tensor(img.shape, 'c64');
  gpu.run(TRANSLATE, [img, offsets, offsets, out, gpu.dummy], u, gpu.grid(img.size, 256));
  record(gpu, 'translate', [img], [out], ([g]) => {
    if (!g) return [null];
    const gi = gpu.tensor(img.shape, 'c64');
    gpu.run(TRANSLATE_GRAD, [g, offsets, offsets, gi, gpu.dummy], u, gpu.grid(img.size, 256));
    return [gi];
  });
  return out;
}

/**
 * Merge C patches (B, C, N, N) onto (B, M, M): patches padded to M, translated by −coords_relative, weighted by
 * the translated central mask, merged = Σ T·W · [Σ W > 1e-6] / (Σ W + 0.001).
 */
export function mergePatches(gpu: Gpu, patches: Tensor, coordsRelative: Tensor, M: number): Tensor {
  const [B, C, N] = patches.shape;
  if (patches.dtype !== 'c64' || patches.shape.length !== 4) throw new Error(`mergePatches: expected complex (B, C, N, N), got ${patches}`);
  checkOffsets(coordsRelative, B * C, 'mergePatches');
  const top = Math.floor((M - N) / 2);
  const u = uniforms().u32(B, C, N, M, 0, 0, top);
  const canvas = gpu.tensor([B, M, M], 'c64');
  const den = gpu.tensor([B, M, M], 'f32');
  gpu.run(MERGE, [patches, coordsRelative, coordsRelative, canvas, den], u, gpu.grid(B * M * M, 256));
  if (!gpu.tape || !patches.requiresGrad) {
    den.dispose();
    return canvas;
  }
  record(gpu, 'mergePatches', [patches], [canvas], ([g]) => {
    if (!g) return [null];
    const gp = gpu.tensor(patches.shape, 'c64');
    gpu.run(MERGE_GRAD, [g, coordsRelative, den, gp, gpu.dummy], u, gpu.grid(patches.size, 256));
    return [gp];
  });
  return canvas;
}

/** Patches (B, C, N, N) re-extracted from canvases (B, M, M): translate by +coords_relative, centre-crop N. */
export function extractPatches(gpu: Gpu, canvas: Tensor, coordsRelative: Tensor, C: number, N: number): Tensor {
  const [B, M] = canvas.shape;
  if (canvas.dtype !== 'c64' || canvas.shape.length !== 3) throw new Error(`extractPatches: expected complex (B, M, M), got ${canvas}`);
  checkOffsets(coordsRelative, B * C, 'extractPatches');
  const top = Math.floor((M - N) / 2);
  const u = uniforms().u32(B, C, N, M, 0, 0, top);
  const out = gpu.tensor([B, C, N, N], 'c64');
  gpu.run(EXTRACT, [canvas, coordsRelative, coordsRelative, out, gpu.dummy], u, gpu.grid(out.size, 256));
  record(gpu, 'extractPatches', [canvas], [out], ([g]) => {
    if (!g) return [null];
    const gc = gpu.tensor(canvas.shape, 'c64');
    gpu.run(EXTRACT_GRAD, [g, coordsRelative, coordsRelative, gc, gpu.dummy], u, gpu.grid(canvas.size, 256));
    return [gc];
  });
  return out;
}
