import type { Gpu } from '../gpu/kernel';
import type { Tensor } from '../gpu/tensor';
import { copyRangeRaw } from '../gpu/ops/copyRange';
import { gatherRows } from '../gpu/ops/gather';
import { extractPatches, mergePatches } from '../gpu/ops/reassemble';
import { stitchPatches, type StitchOptions } from '../gpu/ops/stitch';
import type { PtychoPINN } from './ptychopinn';

/**
 * Inference (issue 4 §4): predict complex object patches for every group in batches on the GPU, then stitch
 * them into one object image. At gridsize > 1 with object_big, each group's C patches are first made mutually
 * consistent exactly as in training (merge onto the group canvas, re-extract); each patch is then placed at its
 * own scan position. Returns the complex object, the overlap-weight map and the canvas origin in object pixels.
 */
export interface ReconstructionImage {
  /** (height, width) complex64, interleaved. */
  object: Float32Array;
  /** (height, width) overlap weights (Σ splat weights). */
  weights: Float32Array;
  /** Object-pixel [x, y] of canvas pixel (0, 0). */
  origin: [number, number];
  width: number;
  height: number;
  patches: number;
}

export interface InferenceOptions {
  batchSize?: number;
  stitch: StitchOptions;
  /** Called after each batch with (groups done, total). */
  onProgress?: (done: number, total: number) => void;
}

/**
 * `memberPositions`: (G, C, 2) scan positions [x, y] (object pixels) of each group member, in the model's dataset
 * order. `coordsRelative` is read from the model's resident data.
 */
export async function reconstructObject(gpu: Gpu, model: PtychoPINN, memberPositions: Float64Array, coordsRelative: Float32Array, opts: InferenceOptions): Promise<ReconstructionImage> {
  const G = model.nGroups;
  const { N, C } = model;
  if (memberPositions.length !== G * C * 2) throw new Error(`reconstructObject: ${memberPositions.length / 2} positions for ${G}×${C} patches`);
  const bs = opts.batchSize ?? 32;
  const all = gpu.keep(gpu.tensor([G * C, N, N], 'c64'));
  const coords = gpu.keep(gpu.tensor([G, C, 2], 'f32', coordsRelative));
  try {
    for (let s = 0; s < G; s += bs) {
      const n = Math.min(bs, G - s);
      gpu.tidy(() => {
        const idx = gpu.tensor([n], 'f32', Float32Array.from({ length: n }, (_, i) => s + i));
        let patches: Tensor = model.predictPatches(idx);
        if (model.spec.objectBig && C > 1) {
          const c = gatherRows(gpu, coords, idx);
          patches = extractPatches(gpu, mergePatches(gpu, patches, c, model.spec.M), c, C, N);
        }
        copyRangeRaw(gpu, patches, 0, all, s * C * N * N * 2, n * C * N * N * 2);
      });
      // One small sync per batch keeps the queue bounded and lets progress reach the UI.
      await gpu.sync();
      opts.onProgress?.(Math.min(G, s + n), G);
    }
    const st = stitchPatches(gpu, all, memberPositions, opts.stitch);
    const [object, weights] = [await gpu.read(st.object), await gpu.read(st.weights)];
    st.object.dispose();
    st.weights.dispose();
    return { object, weights, origin: st.origin, width: st.width, height: st.height, patches: G * C };
  } finally {
    all.dispose();
    coords.dispose();
  }
}
