/** Float64 reference conv2d ('same', stride 1, NCHW/OIHW) and its adjoints, by direct loops. */
export function conv2dRef(
  x: ArrayLike<number>,
  [B, Cin, H, W]: number[],
  w: ArrayLike<number>,
  [Cout, , k]: number[],
  b: ArrayLike<number> | null,
  relu = false,
): Float64Array {
  const p = (k - 1) / 2;
  const out = new Float64Array(B * Cout * H * W);
  for (let n = 0; n < B; n++)
    for (let o = 0; o < Cout; o++)
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++) {
          let s = b ? b[o] : 0;
          for (let c = 0; c < Cin; c++)
            for (let ky = 0; ky < k; ky++) {
              const iy = y + ky - p;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < k; kx++) {
                const ix = xx + kx - p;
                if (ix < 0 || ix >= W) continue;
                s += x[((n * Cin + c) * H + iy) * W + ix] * w[((o * Cin + c) * k + ky) * k + kx];
              }
            }
          out[((n * Cout + o) * H + y) * W + xx] = relu ? Math.max(0, s) : s;
        }
  return out;
}

/** Adjoints of y = conv2d(x, w) + b for upstream g (no ReLU). */
export function conv2dGradRef(
  x: ArrayLike<number>,
  [B, Cin, H, W]: number[],
  w: ArrayLike<number>,
  [Cout, , k]: number[],
  g: ArrayLike<number>,
) {
  const p = (k - 1) / 2;
  const gx = new Float64Array(B * Cin * H * W);
  const gw = new Float64Array(Cout * Cin * k * k);
  const gb = new Float64Array(Cout);
  for (let n = 0; n < B; n++)
    for (let o = 0; o < Cout; o++)
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++) {
          const gv = g[((n * Cout + o) * H + y) * W + xx];
          gb[o] += gv;
          for (let c = 0; c < Cin; c++)
            for (let ky = 0; ky < k; ky++) {
              const iy = y + ky - p;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < k; kx++) {
                const ix = xx + kx - p;
                if (ix < 0 || ix >= W) continue;
                const xi = ((n * Cin + c) * H + iy) * W + ix;
                const wi = ((o * Cin + c) * k + ky) * k + kx;
                gx[xi] += gv * w[wi];
                gw[wi] += gv * x[xi];
              }
            }
        }
  return { gx, gw, gb };
}
