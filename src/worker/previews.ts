import type { NdArray } from '../pipeline/ndarray';
import type { ImagePreview } from './protocol';

/** Amplitude and phase of a complex (H, W) array, box-downsampled so the longer side is ≤ maxSide. */
export function complexPreview(a: NdArray, maxSide = 256): { amplitude: ImagePreview; phase: ImagePreview } {
  const [H, W] = a.shape;
  const f = Math.max(1, Math.ceil(Math.max(H, W) / maxSide));
  const h = Math.floor(H / f), w = Math.floor(W / f);
  const amp = new Float32Array(h * w), ph = new Float32Array(h * w);
  const d = a.data as Float32Array;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let re = 0, im = 0, m = 0;
      for (let dy = 0; dy < f; dy++)
        for (let dx = 0; dx < f; dx++) {
          const k = 2 * ((y * f + dy) * W + x * f + dx);
          re += d[k];
          im += d[k + 1];
          m += Math.hypot(d[k], d[k + 1]);
        }
      amp[y * w + x] = m / (f * f);
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
