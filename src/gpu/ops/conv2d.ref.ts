/** Float64 reference conv2d ('same', stride 1, NCHW/OIHW) and its adjoints, by direct loops. */

/**
 * Visit every in-bounds tap of a 'same' conv2d: output index oi = (n, o, y, x), input index xi = (n, c, y+ky−p,
 * x+kx−p), weight index wi = (o, c, ky, kx); taps in (n, o, y, x, c, ky, kx) order.
 */
function forEachTap(
  [B, Cin, H, W]: number[],
  [Cout, , k]: number[],
  visit: (oi: number, xi: number, wi: number) => void,
): void {
  const p = (k - 1) / 2;
  for (let n = 0; n < B; n++)
    for (let o = 0; o < Cout; o++)
      for (let y = 0; y < H; y++)
        for (let xx = 0; xx < W; xx++) {
          const oi = ((n * Cout + o) * H + y) * W + xx;
          for (let c = 0; c < Cin; c++)
            for (let ky = 0; ky < k; ky++) {
              const iy = y + ky - p;
              if (iy < 0 || iy >= H) continue;
              for (let kx = 0; kx < k; kx++) {
                const ix = xx + kx - p;
                if (ix < 0 || ix >= W) continue;
                visit(oi, ((n * Cin + c) * H + iy) * W + ix, ((o * Cin + c) * k + ky) * k + kx);
              }
            }
        }
}

export function conv2dRef(
  x: ArrayLike<number>,
  xs: number[],
  w: ArrayLike<number>,
  ws: number[],
  b: ArrayLike<number> | null,
  relu = false,
): Float64Array {
  const [B, , H, W] = xs;
  const Cout = ws[0];
  const out = new Float64Array(B * Cout * H * W);
  if (b) for (let i = 0; i < out.length; i++) out[i] = b[Math.floor(i / (H * W)) % Cout];
  forEachTap(xs, ws, (oi, xi, wi) => {
    out[oi] += x[xi] * w[wi];
  });
  if (relu) for (let i = 0; i < out.length; i++) out[i] = Math.max(0, out[i]);
  return out;
}

/** Adjoints of y = conv2d(x, w) + b for upstream g (no ReLU). */
export function conv2dGradRef(
  x: ArrayLike<number>,
  xs: number[],
  w: ArrayLike<number>,
  ws: number[],
  g: ArrayLike<number>,
) {
  const [B, Cin, H, W] = xs;
  const [Cout, , k] = ws;
  const gx = new Float64Array(B * Cin * H * W);
  const gw = new Float64Array(Cout * Cin * k * k);
  const gb = new Float64Array(Cout);
  for (let i = 0; i < g.length; i++) gb[Math.floor(i / (H * W)) % Cout] += g[i];
  forEachTap(xs, ws, (oi, xi, wi) => {
    gx[xi] += g[oi] * w[wi];
    gw[wi] += g[oi] * x[xi];
  });
  return { gx, gw, gb };
}
