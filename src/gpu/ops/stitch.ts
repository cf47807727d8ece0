/**
 * Inference-time stitching of predicted object patches into one object image.
 * - 'barycentric' (reference reconstruct_image_barycentric): central `middleTrim` crop, bilinear splat weighted by
 *   |P|² of the cropped probe ('probe') or 1 ('uniform'), ÷ (weights + 1e-12).
 * - 'position' (Ptychodus / TF reassemble_position): central `crop` (M = 20) translated to its position, summed,
 *   ÷ (1e-9 + Σ translated ones) — i.e. uniform weights; oriented correctly (content at +offset, not the torch
 *   CLI's mirrored variant).
 * Orientation: a patch whose centre pixel (N/2, N/2) belongs to scan position (x, y) puts that pixel at object
 * column x, row y; canvas pixel (X, Y) is object pixel (X + origin[0], Y + origin[1]).
 */
import stitchWgsl from '../shaders/stitch.wgsl?raw';
import type { Gpu } from '../runtime';
import { kernelFamily } from '../kernelDecl';
import type { Tensor } from '../tensor';

export interface StitchOptions {
  method: 'barycentric' | 'position';
  middleTrim?: number;
  weighting?: 'probe' | 'uniform';
  /** (N, N) complex probe, interleaved, for 'probe' weighting. */
  probe?: Float32Array;
  crop?: number;
}

export interface StitchResult {
  object: Tensor;
  weights: Tensor;
  origin: [number, number];
  width: number;
  height: number;
}

/** obj = Σ_p w·q·crop(patch_p) / (Σ_p w·q + eps), wsum = Σ_p w·q (one 16×16 workgroup per canvas tile; grid given) */
const stitchParams = { W: 'u32', H: 'u32', tilesX: 'u32', N: 'u32', mt: 'u32', eps: 'f32' } as const;
const STITCH = kernelFamily({
  prefix: 'stitch_',
  params: stitchParams,
  bindings: {
    patches: { access: 'read', type: 'array<vec2<f32>>' }, // (P, N, N)
    place: { access: 'read', type: 'array<vec4<f32>>' }, // per patch: bx, by, fx, fy
    tileStart: { access: 'read', type: 'array<u32>' }, // CSR row pointers (tiles + 1)
    tileList: { access: 'read', type: 'array<u32>' }, // patch indices
    q: 'read', // (mt, mt) crop weights
    obj: { access: 'rw', type: 'array<vec2<f32>>' },
    wsum: 'rw',
  },
  code: stitchWgsl,
  workgroupSize: [16, 16],
})(
  'main',
  stitchParams,
  { patches: 'read', place: 'read', tileStart: 'read', tileList: 'read', q: 'read', obj: 'rw', wsum: 'rw' },
  undefined,
  { name: 'stitch' },
);
const TILE = 16;

/** The central crop side `mt` a stitch keeps of each patch and its (mt, mt) weights q (|probe|² or ones). */
export function stitchCrop(N: number, opts: StitchOptions): { mt: number; q: Float32Array } {
  const mt = opts.method === 'position' ? (opts.crop ?? 20) : (opts.middleTrim ?? N / 2);
  if (!(mt >= 2 && mt <= N && mt % 2 === 0))
    throw new Error(`stitchPatches: crop ${mt} must be even and within 2…${N}`);
  const weighting = opts.method === 'position' ? 'uniform' : (opts.weighting ?? 'probe');
  const q = new Float32Array(mt * mt).fill(1);
  if (weighting === 'probe') {
    if (!opts.probe || opts.probe.length !== 2 * N * N)
      throw new Error('stitchPatches: probe weighting needs the (N, N) probe');
    const o = N / 2 - mt / 2;
    for (let i = 0; i < mt; i++)
      for (let j = 0; j < mt; j++) {
        const k = 2 * ((o + i) * N + o + j);
        q[i * mt + j] = opts.probe[k] ** 2 + opts.probe[k + 1] ** 2;
      }
  }
  return { mt, q };
}

export function stitchPatches(gpu: Gpu, patches: Tensor, positions: Float64Array, opts: StitchOptions): StitchResult {
  const [P, N] = patches.shape;
  if (patches.dtype !== 'c64' || patches.shape.length !== 3 || patches.shape[2] !== N)
    throw new Error(`stitchPatches: expected complex (P, N, N), got ${patches}`);
  if (positions.length !== 2 * P) throw new Error(`stitchPatches: ${positions.length / 2} positions for ${P} patches`);
  const { mt, q } = stitchCrop(N, opts);
  const eps = opts.method === 'position' ? 1e-9 : 1e-12;
  // Crop pixel (i, j) of patch p sits at object (x − mt/2 + j, y − mt/2 + i).
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (let p = 0; p < P; p++) {
    minX = Math.min(minX, positions[2 * p]);
    maxX = Math.max(maxX, positions[2 * p]);
    minY = Math.min(minY, positions[2 * p + 1]);
    maxY = Math.max(maxY, positions[2 * p + 1]);
  }
  const origin: [number, number] = [Math.floor(minX - mt / 2), Math.floor(minY - mt / 2)];
  const width = Math.ceil(maxX + mt / 2) - origin[0] + 2;
  const height = Math.ceil(maxY + mt / 2) - origin[1] + 2;
  const place = new Float32Array(4 * P);
  const tilesX = Math.ceil(width / TILE);
  const tilesY = Math.ceil(height / TILE);
  const counts = new Uint32Array(tilesX * tilesY + 1);
  const bxs = new Int32Array(P),
    bys = new Int32Array(P);
  for (let p = 0; p < P; p++) {
    const cx = positions[2 * p] - mt / 2 - origin[0];
    const cy = positions[2 * p + 1] - mt / 2 - origin[1];
    const bx = Math.floor(cx),
      by = Math.floor(cy);
    bxs[p] = bx;
    bys[p] = by;
    place.set([bx, by, cx - bx, cy - by], 4 * p);
    for (let ty = Math.floor(by / TILE); ty <= Math.floor((by + mt) / TILE); ty++)
      for (let tx = Math.floor(bx / TILE); tx <= Math.floor((bx + mt) / TILE); tx++) counts[ty * tilesX + tx + 1]++;
  }
  for (let t = 0; t < tilesX * tilesY; t++) counts[t + 1] += counts[t];
  const list = new Uint32Array(Math.max(1, counts[tilesX * tilesY]));
  const fill = counts.slice(0, tilesX * tilesY);
  for (let p = 0; p < P; p++)
    for (let ty = Math.floor(bys[p] / TILE); ty <= Math.floor((bys[p] + mt) / TILE); ty++)
      for (let tx = Math.floor(bxs[p] / TILE); tx <= Math.floor((bxs[p] + mt) / TILE); tx++)
        list[fill[ty * tilesX + tx]++] = p;
  return gpu.tidy(() => {
    const tPlace = gpu.tensor([P, 4], 'f32', place);
    const tStart = gpu.tensor([counts.length], 'f32', new Float32Array(counts.buffer));
    const tList = gpu.tensor([list.length], 'f32', new Float32Array(list.buffer));
    const tq = gpu.tensor([mt, mt], 'f32', q);
    const object = gpu.tensor([height, width], 'c64');
    const weights = gpu.tensor([height, width], 'f32');
    const tiles = tilesX * tilesY;
    gpu.run(
      STITCH,
      { patches, place: tPlace, tileStart: tStart, tileList: tList, q: tq, obj: object, wsum: weights },
      { W: width, H: height, tilesX, N, mt, eps },
      [Math.min(tiles, 65535), Math.ceil(tiles / 65535), 1],
    );
    return { object, weights, origin, width, height };
  });
}
