import type { NdArray } from '../pipeline/ndarray';
import type { ImagePreview } from './types';

/**
 * Display previews computed on the CPU for a loaded scan (objectGuess, probe, a pattern): amplitude = mean |z|
 * and phase = arg Σ z over boxes of f × f pixels (partial boxes at the right/bottom edges), f chosen so the
 * longer side is ≤ maxSide — the same reduction the GPU applies to the live training preview.
 */
export function complexPreview(a: NdArray, maxSide = 256): { amplitude: ImagePreview; phase: ImagePreview } {
  const [H, W] = a.shape;
  const f = Math.max(1, Math.ceil(Math.max(H, W) / maxSide));
  const h = Math.ceil(H / f),
    w = Math.ceil(W / f);
  const amp = new Float32Array(h * w),
    ph = new Float32Array(h * w);
  const d = a.data as Float32Array;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let re = 0,
        im = 0,
        m = 0,
        n = 0;
      for (let yy = y * f; yy < Math.min(H, (y + 1) * f); yy++)
        for (let xx = x * f; xx < Math.min(W, (x + 1) * f); xx++) {
          const k = 2 * (yy * W + xx);
          re += d[k];
          im += d[k + 1];
          m += Math.hypot(d[k], d[k + 1]);
          n++;
        }
      amp[y * w + x] = m / n;
      ph[y * w + x] = Math.atan2(im, re);
    }
  return { amplitude: { width: w, height: h, data: amp }, phase: { width: w, height: h, data: ph } };
}

/** log10(1 + A²) of pattern `index` of a (M, N, N) amplitude stack. */
export function patternPreview(d: NdArray, index = 0): ImagePreview {
  const [, N] = d.shape;
  const src = (d.data as Float32Array).subarray(index * N * N, (index + 1) * N * N);
  return { width: N, height: N, data: src.map((v) => Math.log10(1 + v * v)) };
}
