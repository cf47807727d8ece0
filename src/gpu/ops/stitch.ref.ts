import { bilinearTaps } from '../../numerics/bilinear';

/** Float64 reference of barycentric stitching, written literally as the scatter the reference performs. */
export function stitchRef(
  patches: ArrayLike<number>,
  P: number,
  N: number,
  positions: ArrayLike<number>,
  mt: number,
  q: ArrayLike<number>,
  origin: [number, number],
  W: number,
  H: number,
  eps: number,
) {
  const num = new Float64Array(2 * W * H);
  const den = new Float64Array(W * H);
  const off = N / 2 - mt / 2;
  for (let p = 0; p < P; p++) {
    const cx = positions[2 * p] - mt / 2 - origin[0];
    const cy = positions[2 * p + 1] - mt / 2 - origin[1];
    const x0 = Math.floor(cx),
      y0 = Math.floor(cy),
      fx = cx - x0,
      fy = cy - y0;
    for (let i = 0; i < mt; i++)
      for (let j = 0; j < mt; j++) {
        const k = 2 * ((p * N + off + i) * N + off + j);
        for (const [dy, dx, wb] of bilinearTaps(fy, fx)) {
          const Y = y0 + i + dy,
            X = x0 + j + dx;
          if (X < 0 || Y < 0 || X >= W || Y >= H) continue;
          const w = wb * q[i * mt + j];
          num[2 * (Y * W + X)] += w * patches[k];
          num[2 * (Y * W + X) + 1] += w * patches[k + 1];
          den[Y * W + X] += w;
        }
      }
  }
  const obj = new Float64Array(2 * W * H);
  for (let i = 0; i < W * H; i++) {
    if (den[i] > 0) {
      obj[2 * i] = num[2 * i] / (den[i] + eps);
      obj[2 * i + 1] = num[2 * i + 1] / (den[i] + eps);
    }
  }
  return { obj, den };
}
