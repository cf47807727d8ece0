/**
 * Sub-pixel translation and the training-time merge / re-extraction of a group's patches (reference
 * helper.Translation, reassemble_patches_position_real with central_mask weighting, extract_channels_from_region;
 * golden values in tests/fixtures/golden). Gradients flow to the images / patches; offsets are data (no gradient).
 * Source coordinates are computed directly (x − ox), not through torch's float32 normalised grid,
 * so results match the reference's float64 run.
 */
import wgsl from '../shaders/reassemble.wgsl?raw';
import type { Gpu } from '../runtime';
import { kernelFamily, type Kernel } from '../kernelDecl';
import { record } from '../tape';
import type { Tensor } from '../tensor';

const c2 = 'array<vec2<f32>>'; // complex (re, im) pairs
const kernel = kernelFamily({
  prefix: 'reassemble_',
  params: { B: 'u32', C: 'u32', N: 'u32', M: 'u32', H: 'u32', W: 'u32', top: 'u32' },
  bindings: {
    src: { access: 'read', type: c2 }, // forward input: images, patches or canvases
    off: { access: 'read', type: c2 },
    den: 'read', // merge_grad: the merge's Σ W (B, M, M)
    dst: { access: 'rw', type: c2 },
    den_out: 'rw', // merge: Σ W written here
    g: { access: 'read', type: c2 }, // adjoints: the upstream gradient
  },
  code: wgsl,
});
// translate reads B (images), H, W; merge / extract read B, C, N, M, top.
const image = { B: 'u32', H: 'u32', W: 'u32' } as const;
const patch = { B: 'u32', C: 'u32', N: 'u32', M: 'u32', top: 'u32' } as const;
type Dims<T> = Readonly<Record<keyof T, number>>;
const images = (p: Dims<typeof image>) => p.B * p.H * p.W;
const canvases = (p: Dims<typeof patch>) => p.B * p.M * p.M;
const patches = (p: Dims<typeof patch>) => p.B * p.C * p.N * p.N;
/** dst(x, y) = src(x − ox, y − oy) per image (bilinear, zeros outside) */
const TRANSLATE = kernel('translate', image, { src: 'read', off: 'read', dst: 'rw' }, images);
/** Adjoint of translate w.r.t. the image: dst = Tᵀ g (gather over the taps that touched each pixel) */
const TRANSLATE_GRAD = kernel('translate_grad', image, { g: 'read', off: 'read', dst: 'rw' }, images);
/** dst = Σ_c T_c·W_c · [den > 1e-6] / (den + 0.001), den_out = den = Σ_c W_c (patches src merged onto canvases) */
const MERGE = kernel('merge', patch, { src: 'read', off: 'read', dst: 'rw', den_out: 'rw' }, canvases);
/** Adjoint of merge w.r.t. the patches: dst = T_cᵀ (g · W_c · [den > 1e-6] / (den + 0.001)) */
const MERGE_GRAD = kernel('merge_grad', patch, { g: 'read', off: 'read', den: 'read', dst: 'rw' }, patches);
/** dst = centre-crop_N(translate(src canvas, +off)) per patch */
const EXTRACT = kernel('extract', patch, { src: 'read', off: 'read', dst: 'rw' }, patches);
/** Adjoint of extract w.r.t. the canvas: dst = Σ_c T_cᵀ pad(g_c) */
const EXTRACT_GRAD = kernel('extract_grad', patch, { g: 'read', off: 'read', dst: 'rw' }, canvases);

/** Torch's padded canvas size for the merge (src/config/geometry.ts). */

function checkOffsets(off: Tensor, n: number, what: string): void {
  if (off.dtype !== 'f32' || off.size !== 2 * n) throw new Error(`${what}: offsets ${off} must hold ${n} [x, y] pairs`);
}

type Params = Readonly<Record<string, number>>;

/**
 * The tape entry of an op linear in its one complex input (translate, merge, extract): its adjoint runs `adj` on
 * the upstream gradient g (plus the `data` bindings) into a c64 tensor shaped like `input`.
 */
function recordAdjoint(
  gpu: Gpu,
  op: string,
  [input, out]: readonly [Tensor, Tensor],
  adj: Kernel,
  data: Readonly<Record<string, Tensor>>,
  u: Params,
): void {
  record(gpu, op, [input], [out], ([g]) => {
    if (!g) return [null];
    const gi = gpu.tensor(input.shape, 'c64');
    gpu.run(adj, { g, ...data, dst: gi }, u);
    return [gi];
  });
}

/** translate / extract: `fwd` maps `input` to a new c64 tensor of `shape`, `adj` is its adjoint. */
function linearOp(
  gpu: Gpu,
  op: string,
  [fwd, adj]: readonly [Kernel, Kernel],
  [input, offsets]: readonly [Tensor, Tensor],
  shape: readonly number[],
  u: Params,
): Tensor {
  const out = gpu.tensor(shape, 'c64');
  gpu.run(fwd, { src: input, off: offsets, dst: out }, u);
  recordAdjoint(gpu, op, [input, out], adj, { off: offsets }, u);
  return out;
}

/** out(x, y) = img(x − ox, y − oy) per image; img (n, H, W) complex, offsets (n, 2). */
export function translate(gpu: Gpu, img: Tensor, offsets: Tensor): Tensor {
  const [n, H, W] = img.shape;
  if (img.dtype !== 'c64' || img.shape.length !== 3)
    throw new Error(`translate: expected complex (n, H, W), got ${img}`);
  checkOffsets(offsets, n, 'translate');
  return linearOp(gpu, 'translate', [TRANSLATE, TRANSLATE_GRAD], [img, offsets], img.shape, { B: n, H, W });
}

/**
 * Merge C patches (B, C, N, N) onto (B, M, M): patches padded to M, translated by −coords_relative, weighted by
 * the translated central mask, merged = Σ T·W · [Σ W > 1e-6] / (Σ W + 0.001).
 */
export function mergePatches(gpu: Gpu, patches: Tensor, coordsRelative: Tensor, M: number): Tensor {
  const [B, C, N] = patches.shape;
  if (patches.dtype !== 'c64' || patches.shape.length !== 4)
    throw new Error(`mergePatches: expected complex (B, C, N, N), got ${patches}`);
  checkOffsets(coordsRelative, B * C, 'mergePatches');
  const top = Math.floor((M - N) / 2);
  const u = { B, C, N, M, top };
  const canvas = gpu.tensor([B, M, M], 'c64');
  const den = gpu.tensor([B, M, M], 'f32');
  gpu.run(MERGE, { src: patches, off: coordsRelative, dst: canvas, den_out: den }, u);
  if (!gpu.tape || !patches.requiresGrad) {
    den.dispose();
    return canvas;
  }
  recordAdjoint(gpu, 'mergePatches', [patches, canvas], MERGE_GRAD, { off: coordsRelative, den }, u);
  return canvas;
}

/** Patches (B, C, N, N) re-extracted from canvases (B, M, M): translate by +coords_relative, centre-crop N. */
export function extractPatches(gpu: Gpu, canvas: Tensor, coordsRelative: Tensor, C: number, N: number): Tensor {
  const [B, M] = canvas.shape;
  if (canvas.dtype !== 'c64' || canvas.shape.length !== 3)
    throw new Error(`extractPatches: expected complex (B, M, M), got ${canvas}`);
  checkOffsets(coordsRelative, B * C, 'extractPatches');
  const u = { B, C, N, M, top: Math.floor((M - N) / 2) };
  return linearOp(gpu, 'extractPatches', [EXTRACT, EXTRACT_GRAD], [canvas, coordsRelative], [B, C, N, N], u);
}
