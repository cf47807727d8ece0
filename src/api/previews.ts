import { boxPreview } from '../pipeline/boxPreview';
import type { NdArray } from '../pipeline/ndarray';
import type { ImagePreview } from './types';

/**
 * Display previews computed on the CPU for a loaded scan (objectGuess, probe, a pattern): the box reduction of
 * src/pipeline/boxPreview.ts with f chosen so the longer side is ≤ maxSide — as the GPU's live training preview.
 */
export function complexPreview(a: NdArray, maxSide = 256): { amplitude: ImagePreview; phase: ImagePreview } {
  const [H, W] = a.shape;
  const f = Math.max(1, Math.ceil(Math.max(H, W) / maxSide));
  const { h, w, amp, ph } = boxPreview(a.data as Float32Array, H, W, f);
  const image = (data: Float64Array) => ({ width: w, height: h, data: Float32Array.from(data) });
  return { amplitude: image(amp), phase: image(ph) };
}

/** log10(1 + A²) of pattern `index` of a (M, N, N) amplitude stack. */
export function patternPreview(d: NdArray, index = 0): ImagePreview {
  const [, N] = d.shape;
  const src = (d.data as Float32Array).subarray(index * N * N, (index + 1) * N * N);
  return { width: N, height: N, data: src.map((v) => Math.log10(1 + v * v)) };
}
