/**
 * Box downsampling of a complex image for display: amplitude = mean |z| and phase = arg Σ z over boxes of f × f
 * pixels (partial boxes at the right/bottom edges), accumulated in float64. The CPU previews of a loaded scan use
 * it, and it is the oracle of the GPU preview kernel (src/gpu/ops/preview.ts) that draws the live training view.
 */

/** Amplitude and phase of the (⌈H/f⌉, ⌈W/f⌉) boxes of an interleaved complex (H, W) image `z`. */
export function boxPreview(z: ArrayLike<number>, H: number, W: number, f: number) {
  const h = Math.ceil(H / f);
  const w = Math.ceil(W / f);
  const amp = new Float64Array(h * w);
  const ph = new Float64Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let [re, im, m, n] = [0, 0, 0, 0];
      for (let yy = y * f; yy < Math.min(H, y * f + f); yy++)
        for (let xx = x * f; xx < Math.min(W, x * f + f); xx++) {
          const k = 2 * (yy * W + xx);
          re += z[k];
          im += z[k + 1];
          m += Math.hypot(z[k], z[k + 1]);
          n++;
        }
      amp[y * w + x] = m / n;
      ph[y * w + x] = Math.atan2(im, re);
    }
  return { h, w, amp, ph };
}
