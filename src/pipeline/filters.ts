/**
 * scipy.ndimage.gaussian_filter of a real H×W image in float64: separable, mode 'reflect' (d c b a | a b c d),
 * kernel radius int(truncate·σ + 0.5). Used by the simulator (truncate 4, scipy's default) and by SSIM
 * (skimage's truncate 3.5 at σ 1.5 → radius 5).
 */
export function gaussianFilter(
  img: ArrayLike<number>,
  H: number,
  W: number,
  sigma: number,
  truncate = 4,
): Float64Array {
  const r = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp(-0.5 * (i / sigma) ** 2);
  for (let i = 0; i < k.length; i++) k[i] /= s;
  const refl = (i: number, n: number) => {
    for (;;) {
      if (i < 0) i = -i - 1;
      else if (i >= n) i = 2 * n - i - 1;
      else return i;
    }
  };
  const tmp = new Float64Array(H * W);
  const out = new Float64Array(H * W);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let v = 0;
      for (let j = -r; j <= r; j++) v += k[j + r] * img[y * W + refl(x + j, W)];
      tmp[y * W + x] = v;
    }
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      let v = 0;
      for (let j = -r; j <= r; j++) v += k[j + r] * tmp[refl(y + j, H) * W + x];
      out[y * W + x] = v;
    }
  return out;
}
