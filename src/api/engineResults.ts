/**
 * Reconstructions out of the engine (src/api/engine.ts): stitching options, metrics against the scan's
 * objectGuess, the result view's plain data, and the exports — our reconstruction NPZ and the Ptychodus product
 * (specs/npz.md).
 */
import { evaluateReconstruction, type ReconstructionMetrics } from '../pipeline/metrics';
import type { NdArray } from '../pipeline/ndarray';
import { writeNpz } from '../pipeline/npz';
import { productPhysicsFromMetadata, writePtychodusProduct } from '../pipeline/product';
import type { RawData } from '../pipeline/rawData';
import type { PhaseAlignment } from '../model/alignedStitch';
import type { ReconstructionImage } from '../model/infer';
import type { EpochEvent } from '../model/train';
import type { LoadedDataset, ReconstructionProduct } from './engineTypes';
import type { SolverOutcome } from './engineSolve';
import type { MetricsSummary, ModelInfo, ResultImage, SolverSummary, StitchMethod } from './types';

/** How patches of an N×N model are stitched: trimmed to the centre, weighted by the scan's probe. */
export function stitchOptions(N: number, probe: Float32Array, method: StitchMethod) {
  return { method, middleTrim: N / 2, weighting: 'probe' as const, probe, crop: Math.min(20, N / 2) };
}

/** Metrics of a stitched object against the scan's objectGuess, when it has one. */
export function metricsAgainstTruth(image: ReconstructionImage, raw: RawData): ReconstructionMetrics | undefined {
  if (!raw.objectGuess) return undefined;
  const [H, W] = raw.objectGuess.shape;
  return evaluateReconstruction(
    { data: image.object, width: image.width, height: image.height },
    image.origin,
    { data: raw.objectGuess.data as Float32Array, width: W, height: H },
    { weights: image.weights },
  );
}

/** A reconstruction as plain data for the result view: the object, weights, objectGuess on the same canvas, metrics. */
export function resultImage(p: ReconstructionProduct, truth: NdArray | undefined): ResultImage {
  const { image } = p;
  let crop: Float32Array | undefined;
  if (truth) {
    const [H, W] = truth.shape;
    const t = truth.data as Float32Array;
    crop = new Float32Array(2 * image.width * image.height);
    for (let y = 0; y < image.height; y++) {
      const ty = y + image.origin[1];
      if (ty < 0 || ty >= H) continue;
      for (let x = 0; x < image.width; x++) {
        const tx = x + image.origin[0];
        if (tx < 0 || tx >= W) continue;
        crop[2 * (y * image.width + x)] = t[2 * (ty * W + tx)];
        crop[2 * (y * image.width + x) + 1] = t[2 * (ty * W + tx) + 1];
      }
    }
  }
  return {
    width: image.width,
    height: image.height,
    origin: image.origin,
    // Copies: the caller may transfer these buffers away; the product stays exportable here.
    object: image.object.slice(),
    weights: image.weights.slice(),
    truth: crop,
    metrics: p.metrics ? metricsSummary(p.metrics) : undefined,
    stitch: p.stitch,
    patches: image.patches,
    phaseAlignment: image.alignment ? { ...image.alignment } : undefined,
    solver: p.solver ? solverSummary(p.solver) : undefined,
  };
}

/**
 * The reconstruction as an NPZ: object (complex64), amplitude, phase, weights, origin [x, y], stitch, metrics (JSON),
 * phase_alignment (JSON, when the groups' phases were aligned).
 */
export function reconstructionNpz(p: ReconstructionProduct): Uint8Array {
  const { image } = p;
  const n = image.width * image.height;
  const amp = new Float32Array(n),
    phase = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    amp[i] = Math.hypot(image.object[2 * i], image.object[2 * i + 1]);
    phase[i] = Math.atan2(image.object[2 * i + 1], image.object[2 * i]);
  }
  const shape = [image.height, image.width];
  const arrays: Record<string, NdArray> = {
    object: { dtype: 'c64', shape, data: image.object },
    amplitude: { dtype: 'f32', shape, data: amp },
    phase: { dtype: 'f32', shape, data: phase },
    weights: { dtype: 'f32', shape, data: image.weights },
    origin: { dtype: 'f64', shape: [2], data: Float64Array.from(image.origin) },
    stitch: { dtype: 'str', shape: [], data: new Uint8Array(0), text: p.stitch },
  };
  if (p.metrics)
    arrays.metrics = {
      dtype: 'str',
      shape: [],
      data: new Uint8Array(0),
      text: JSON.stringify(metricsSummary(p.metrics)),
    };
  if (image.alignment)
    arrays.phase_alignment = {
      dtype: 'str',
      shape: [],
      data: new Uint8Array(0),
      text: JSON.stringify(image.alignment),
    };
  const sv = p.solver;
  if (sv) {
    arrays.solver = {
      dtype: 'str',
      shape: [],
      data: new Uint8Array(0),
      text: JSON.stringify({ ...solverSummary(sv), options: sv.options, error: sv.history.map((e) => e.error) }),
    };
    if (sv.options.refineProbe) arrays.probe = { dtype: 'c64', shape: [sv.N, sv.N], data: sv.probe };
    if (sv.options.refinePositions) {
      const n = sv.x.length;
      const xy = new Float64Array(2 * n);
      for (let k = 0; k < n; k++) {
        xy[2 * k] = sv.x[k];
        xy[2 * k + 1] = sv.y[k];
      }
      arrays.positions = { dtype: 'f64', shape: [n, 2], data: xy };
    }
  }
  return writeNpz(arrays, { compress: true });
}

/**
 * A reconstruction as a Ptychodus NPZ product (src/pipeline/product.ts, specs/npz.md): object, the scan's
 * probeGuess and positions (xcoords/ycoords), the model's loss history, and pixel size / energy / distance from
 * the scan's `_metadata` when it gives them (otherwise 1 m per pixel, said in `comments`).
 */
export function reconstructionProduct(
  p: ReconstructionProduct,
  ds: LoadedDataset,
  history: readonly EpochEvent[],
  modelInfo: ModelInfo | null,
  opts: { name?: string; comments?: string },
): Uint8Array {
  const { image } = p;
  const sv = p.solver;
  // A solver product carries its own error history, probe and positions (refined or as scanned).
  const loss = sv
    ? { lossEpochs: sv.history.map((e) => e.iteration), lossValues: sv.history.map((e) => e.error) }
    : history.length
      ? { lossEpochs: history.map((e) => e.epoch), lossValues: history.map((e) => e.trainLoss) }
      : {};
  return writePtychodusProduct({
    object: image.object,
    width: image.width,
    height: image.height,
    origin: [image.origin[0], image.origin[1]],
    probe: sv ? sv.probe : (ds.raw.probeGuess.data as Float32Array),
    positionsX: sv ? sv.x : ds.raw.xcoords,
    positionsY: sv ? sv.y : ds.raw.ycoords,
    ...productPhysicsFromMetadata(ds.raw.metadata),
    ...loss,
    name: opts.name ?? ds.fileName,
    comments: [
      sv
        ? `ptychopinn-web iterative solve of ${ds.fileName} (${sv.iterations} iterations from ${sv.init === 'model' ? `the network's object${modelInfo ? ` (${modelInfo.source})` : ''}` : 'a flat object'}${sv.options.refineProbe ? ', probe refined' : ''}${sv.options.refinePositions ? ', positions refined' : ''})`
        : `ptychopinn-web reconstruction of ${ds.fileName}${modelInfo ? ` with ${modelInfo.source}` : ''} (${p.stitch} stitching)`,
      opts.comments,
    ]
      .filter((c) => c)
      .join('\n'),
  });
}

/** A solve in a few numbers (src/api/types.ts SolverSummary). */
export function solverSummary(s: SolverOutcome): SolverSummary {
  return {
    init: s.init,
    iterations: s.iterations,
    seconds: s.seconds,
    error: s.history.length ? s.history[s.history.length - 1].error : null,
    refinedProbe: s.options.refineProbe,
    refinedPositions: s.options.refinePositions,
    positionRms: s.positionRms,
  };
}

/** Plain-number metrics for JSON / UI. */
export function metricsSummary(m: ReconstructionMetrics): MetricsSummary {
  return {
    amplitude: {
      r: finiteOrNull(m.amplitude.r),
      ssim: m.amplitude.ssim,
      psnr: m.amplitude.psnr,
      frcResolutionPx: m.amplitude.frc.resolutionPx,
    },
    phase: {
      r: finiteOrNull(m.phase.r),
      ssim: m.phase.ssim,
      psnr: m.phase.psnr,
      frcResolutionPx: m.phase.frc.resolutionPx,
    },
    collapsed: m.collapsed,
    frcThreshold: m.amplitude.frc.thresholdKind,
    phaseOffset: m.phaseOffset,
    amplitudeScale: m.amplitudeScale,
    region: m.region,
  };
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** One line on the group phase alignment (src/model/alignedStitch.ts) for the CLI. */
export function alignmentLine(a: PhaseAlignment): string {
  if (a.skipped) return `group phases: not aligned (${a.skipped}); the plain stitch`;
  const [plain, , full] = a.misfit;
  const kept = a.kept === 0 ? 'not kept: the diffraction fits best without' : `${a.kept * 100} % kept`;
  return `group phases: ${a.groups} groups aligned by their overlaps (rms correction ${a.rmsCorrection.toFixed(2)} rad), ${kept} (diffraction misfit ${plain.toExponential(3)} plain, ${full.toExponential(3)} aligned)`;
}
