/**
 * The amplitude forward model of the PyTorch reference (ptycho_torch ForwardModel.forward):
 * object patches (B, C, N, N) → [object_big: merge onto the M×M group canvas and re-extract, so the C patches
 * are mutually consistent] → × effective probe (probeGuess / probe_scale, × soft mask when probe_mask) →
 * pad_and_diffract: A = fftshift(|FFT2|)/N → predicted amplitude (B, C, N, N).
 */
import type { Gpu } from '../gpu/runtime';
import type { Tensor } from '../gpu/tensor';
import { complexMul } from '../gpu/ops/complex';
import { padAndDiffract } from '../gpu/ops/fft';
import { extractPatches, mergePatches } from '../gpu/ops/reassemble';

export interface PhysicsSpec {
  N: number;
  C: number;
  objectBig: boolean;
  /** Merge canvas size (torch padded size N + (gridsize − 1)·4). */
  M: number;
}

export function forwardPhysics(
  gpu: Gpu,
  objectPatches: Tensor,
  coordsRelative: Tensor,
  effectiveProbe: Tensor,
  spec: PhysicsSpec,
): { pred: Tensor; patches: Tensor } {
  let patches = objectPatches;
  if (spec.objectBig) {
    const canvas = mergePatches(gpu, objectPatches, coordsRelative, spec.M);
    patches = extractPatches(gpu, canvas, coordsRelative, spec.C, spec.N);
  }
  const pred = padAndDiffract(gpu, complexMul(gpu, patches, effectiveProbe));
  return { pred, patches };
}

/**
 * The reference's soft probe mask (ptycho_torch/probe_mask.py resolve_probe_mask_torch): a disk of diameter
 * N/2 (or `diameter`) on centred coordinates i − N//2 + 0.5, blurred by a separable Gaussian (σ px, kernel radius
 * 3σ rounded, zero padding), divided by its max and clamped to [0, 1]. Float64, (N, N) row-major.
 */
export function softProbeMask(N: number, sigma = 1, diameter = N / 2): Float64Array {
  const disk = new Float64Array(N * N);
  const r = diameter / 2;
  for (let y = 0; y < N; y++)
    for (let x = 0; x < N; x++) {
      const cy = y - Math.floor(N / 2) + 0.5;
      const cx = x - Math.floor(N / 2) + 0.5;
      disk[y * N + x] = Math.hypot(cx, cy) <= r ? 1 : 0;
    }
  if (!(sigma > 0)) return disk;
  const rad = Math.max(1, Math.round(3 * sigma));
  const k = new Float64Array(2 * rad + 1);
  let s = 0;
  for (let i = -rad; i <= rad; i++) s += k[i + rad] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= s;
  const tmp = new Float64Array(N * N);
  const out = new Float64Array(N * N);
  for (let y = 0; y < N; y++)
    for (let x = 0; x < N; x++) {
      let v = 0;
      for (let j = -rad; j <= rad; j++) if (x + j >= 0 && x + j < N) v += k[j + rad] * disk[y * N + x + j];
      tmp[y * N + x] = v;
    }
  let mx = 0;
  for (let y = 0; y < N; y++)
    for (let x = 0; x < N; x++) {
      let v = 0;
      for (let j = -rad; j <= rad; j++) if (y + j >= 0 && y + j < N) v += k[j + rad] * tmp[(y + j) * N + x];
      out[y * N + x] = v;
      mx = Math.max(mx, v);
    }
  for (let i = 0; i < out.length; i++) out[i] = Math.min(1, Math.max(0, out[i] / mx));
  return out;
}

/** probeGuess / probe_scale (× mask) as interleaved complex float32. */
export function effectiveProbe(probe: Float32Array, N: number, probeScale: number, mask?: Float64Array): Float32Array {
  const out = new Float32Array(2 * N * N);
  for (let i = 0; i < N * N; i++) {
    const m = mask ? mask[i] : 1;
    out[2 * i] = (probe[2 * i] / probeScale) * m;
    out[2 * i + 1] = (probe[2 * i + 1] / probeScale) * m;
  }
  return out;
}
