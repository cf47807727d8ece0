/**
 * Stitching with group phase alignment (src/pipeline/groupPhases.ts): the per-group phase corrections that make
 * overlapping groups agree are estimated from the predicted patches, and the stitched object is kept with none, half
 * or all of them, whichever explains the measured diffraction best (by more than 1 %). The data decide, so an
 * alignment that would integrate the network's small within-group phase errors into a drift (a scan whose phase the
 * network already gets right) is not kept.
 */
import type { Gpu } from '../gpu/runtime';
import type { Tensor } from '../gpu/tensor';
import { stitchCrop, stitchPatches, type StitchOptions } from '../gpu/ops/stitch';
import type { NdArray } from '../pipeline/ndarray';
import { diffractionMisfit, groupPhaseCorrections, rotateGroups, type StitchedObject } from '../pipeline/groupPhases';

/** What the scan gives the alignment: the measured diffraction at each scan position, and the probe. */
export interface AlignmentData {
  probe: Float32Array;
  xcoords: Float64Array;
  ycoords: Float64Array;
  /** (M, N, N) amplitude, DC centred. */
  diffraction: NdArray;
}

/** What the alignment did, for the product and the CLI. */
export interface PhaseAlignment {
  groups: number;
  /** RMS of the corrections it estimated (radians). */
  rmsCorrection: number;
  /** The fraction of the corrections kept: 0 (plain stitch), 0.5 or 1. */
  kept: number;
  /** The diffraction misfit of the stitched object with each fraction [0, 0.5, 1] (src/pipeline/groupPhases.ts). */
  misfit: [number, number, number];
  /** Why the alignment did not run (the plain stitch is returned), e.g. a patch stack too large to read back. */
  skipped?: string;
}

const FRACTIONS = [0, 0.5, 1] as const;
/** The relative drop of the diffraction misfit an alignment must bring to be kept. */
export const MIN_GAIN = 0.01;
/** The largest patch stack (floats) read back to the CPU for the alignment: 2^26 = 256 MB. */
export const ALIGN_MAX_FLOATS = 2 ** 26;

/** The stitch of `patches` read back to the CPU (its GPU tensors freed). */
async function stitchRead(
  gpu: Gpu,
  patches: Tensor,
  positions: Float64Array,
  stitch: StitchOptions,
): Promise<StitchedObject> {
  const st = stitchPatches(gpu, patches, positions, stitch);
  try {
    return { ...st, object: await gpu.read(st.object), weights: await gpu.read(st.weights) };
  } finally {
    st.object.dispose();
    st.weights.dispose();
  }
}

/**
 * Stitch `patches` ((G·C, N, N) complex, group-major, on the GPU; its contents are overwritten) at
 * `positions` after aligning the groups' phases; returns the stitched object read back and what was done.
 */
export async function alignedStitch(
  gpu: Gpu,
  patches: Tensor,
  C: number,
  positions: Float64Array,
  stitch: StitchOptions,
  data: AlignmentData,
  maxFloats = ALIGN_MAX_FLOATS,
): Promise<StitchedObject & { alignment: PhaseAlignment }> {
  const [P, N] = patches.shape;
  const G = P / C;
  const { mt, q } = stitchCrop(N, stitch);
  const layout = { G, C, N, positions, mt, q };
  if (patches.floats > maxFloats) {
    const mb = (floats: number) => `${((floats * 4) / 2 ** 20).toPrecision(3)} MB`;
    const skipped = `${P} patches of ${N}×${N} (${mb(patches.floats)}) exceed the ${mb(maxFloats)} the alignment reads back`;
    const image = await stitchRead(gpu, patches, positions, stitch);
    return { ...image, alignment: { groups: G, rmsCorrection: 0, kept: 0, misfit: [NaN, NaN, NaN], skipped } };
  }
  const host = await gpu.read(patches);
  const theta = groupPhaseCorrections(host, layout);
  let best: (StitchedObject & { misfit: number; f: number }) | null = null;
  const misfit: number[] = [];
  for (const f of FRACTIONS) {
    // The tensor already holds the plain patches for the first candidate.
    if (f > 0) gpu.upload(patches, rotateGroups(host, layout, theta, f));
    const image = await stitchRead(gpu, patches, positions, stitch);
    const m = diffractionMisfit(image, data.probe, data.xcoords, data.ycoords, data.diffraction);
    misfit.push(m);
    // The plain stitch (first) stays unless a candidate explains the data clearly better: changes of a few tenths of
    // a percent are what interpolation and noise move (a scan the network already phases right lands there), and an
    // unmeasurable misfit (NaN) never wins.
    if (!best || m < best.misfit * (1 - MIN_GAIN)) best = { ...image, misfit: m, f };
  }
  const { f, ...found } = best!;
  const image: StitchedObject = {
    object: found.object,
    weights: found.weights,
    width: found.width,
    height: found.height,
    origin: found.origin,
  };
  const rmsCorrection = Math.sqrt(theta.reduce((s, t) => s + t * t, 0) / Math.max(1, G));
  return { ...image, alignment: { groups: G, rmsCorrection, kept: f, misfit: misfit as [number, number, number] } };
}
