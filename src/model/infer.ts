/**
 * Inference: predict complex object patches for every group of a resident set in batches on the GPU, then stitch
 * them into one object image. At gridsize > 1 with object_big, each group's C patches are first made mutually
 * consistent exactly as in training (merge onto the group canvas, re-extract); each patch is then placed at its
 * own scan position. Returns the complex object, the overlap-weight map and the canvas origin in object pixels —
 * or, for the live training preview, only a display-sized amplitude/phase image computed on the GPU.
 */
import type { Gpu } from '../gpu/runtime';
import type { Tensor } from '../gpu/tensor';
import { gatherRows } from '../gpu/ops/gather';
import { complexPreviewGpu, previewFactor } from '../gpu/ops/preview';
import { extractPatches, mergePatches } from '../gpu/ops/reassemble';
import { stitchPatches, type StitchOptions } from '../gpu/ops/stitch';
import { alignedStitch, type AlignmentData, type PhaseAlignment } from './alignedStitch';
import { canvasOf, type PtychoPINN, type ResidentSet } from './ptychopinn';

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
  /** The group phase alignment, when the stitch aligned (src/model/alignedStitch.ts). */
  alignment?: PhaseAlignment;
}

/** A display-sized view of the stitched object: canvas box-downsampled by `factor`. */
export interface PreviewImage {
  width: number;
  height: number;
  amplitude: Float32Array;
  phase: Float32Array;
  /** Object-pixel [x, y] of the full-resolution canvas pixel (0, 0). */
  origin: [number, number];
  factor: number;
}

export interface InferenceOptions {
  batchSize?: number;
  stitch: StitchOptions;
  /** Called after each batch with (groups done, total); each call waits for the GPU (keeps the queue short). */
  onProgress?: (done: number, total: number) => void;
  /** Align the groups' phases before stitching, judged against this scan's diffraction (src/model/alignedStitch.ts). */
  align?: AlignmentData;
}

/** Every group's patches, made consistent within a group, as one kept (G·C, N, N) complex tensor. */
async function predictAll(gpu: Gpu, model: PtychoPINN, set: ResidentSet, opts: InferenceOptions): Promise<Tensor> {
  const G = set.nGroups;
  const { N, C } = model;
  const bs = opts.batchSize ?? 32;
  const all = gpu.keep(gpu.tensor([G * C, N, N], 'c64'));
  try {
    for (let s = 0; s < G; s += bs) {
      const n = Math.min(bs, G - s);
      gpu.tidy(() => {
        const idx = gpu.tensor(
          [n],
          'f32',
          Float32Array.from({ length: n }, (_, i) => s + i),
        );
        let patches: Tensor = model.predictPatches(idx, set);
        if (model.spec.objectBig && C > 1) {
          const c = gatherRows(gpu, set.coords, idx);
          patches = extractPatches(gpu, mergePatches(gpu, patches, c, canvasOf(model.spec)), c, C, N);
        }
        gpu.copyRange(patches, 0, all, s * C * N * N * 2, n * C * N * N * 2);
      });
      if (opts.onProgress) {
        await gpu.sync();
        opts.onProgress(Math.min(G, s + n), G);
      }
    }
    return all;
  } catch (e) {
    all.dispose();
    throw e;
  }
}

function checkPositions(model: PtychoPINN, set: ResidentSet, memberPositions: Float64Array): void {
  if (memberPositions.length !== set.nGroups * model.C * 2)
    throw new Error(`reconstructObject: ${memberPositions.length / 2} positions for ${set.nGroups}×${model.C} patches`);
}

/** `memberPositions`: (G, C, 2) scan positions [x, y] (object pixels) of each group member of `set`. */
export async function reconstructObject(
  gpu: Gpu,
  model: PtychoPINN,
  set: ResidentSet,
  memberPositions: Float64Array,
  opts: InferenceOptions,
): Promise<ReconstructionImage> {
  checkPositions(model, set, memberPositions);
  const all = await predictAll(gpu, model, set, opts);
  try {
    if (opts.align) {
      const a = await alignedStitch(gpu, all, model.C, memberPositions, opts.stitch, opts.align);
      return { ...a, patches: all.shape[0] };
    }
    const st = stitchPatches(gpu, all, memberPositions, opts.stitch);
    try {
      const [object, weights] = [await gpu.read(st.object), await gpu.read(st.weights)];
      return { object, weights, origin: st.origin, width: st.width, height: st.height, patches: all.shape[0] };
    } finally {
      st.object.dispose();
      st.weights.dispose();
    }
  } finally {
    all.dispose();
  }
}

/** The stitched object reduced on the GPU to ≤ maxSide pixels a side; only that small image is read back. */
export async function reconstructPreview(
  gpu: Gpu,
  model: PtychoPINN,
  set: ResidentSet,
  memberPositions: Float64Array,
  opts: InferenceOptions & { maxSide: number },
): Promise<PreviewImage> {
  checkPositions(model, set, memberPositions);
  const all = await predictAll(gpu, model, set, { ...opts, onProgress: undefined });
  try {
    const st = stitchPatches(gpu, all, memberPositions, opts.stitch);
    const f = previewFactor(st.height, st.width, opts.maxSide);
    const small = complexPreviewGpu(gpu, st.object, f);
    st.object.dispose();
    st.weights.dispose();
    try {
      const ap = await gpu.read(small);
      const [h, w] = small.shape;
      const amplitude = new Float32Array(w * h),
        phase = new Float32Array(w * h);
      for (let i = 0; i < w * h; i++) {
        amplitude[i] = ap[2 * i];
        phase[i] = ap[2 * i + 1];
      }
      return { width: w, height: h, amplitude, phase, origin: st.origin, factor: f };
    } finally {
      small.dispose();
    }
  } finally {
    all.dispose();
  }
}
