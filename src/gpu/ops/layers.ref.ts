/** Float64 references for pool / upsample / layout / broadcast-multiply (NCHW, flat arrays). */
import type { Window } from './layout';

export function maxPoolRef(x: ArrayLike<number>, B: number, C: number, H: number, W: number): Float64Array {
  const oh = Math.floor(H / 2),
    ow = Math.floor(W / 2);
  const out = new Float64Array(B * C * oh * ow);
  for (let p = 0; p < B * C; p++)
    for (let r = 0; r < oh; r++)
      for (let c = 0; c < ow; c++) {
        const b = p * H * W + 2 * r * W + 2 * c;
        out[p * oh * ow + r * ow + c] = Math.max(x[b], x[b + 1], x[b + W], x[b + W + 1]);
      }
  return out;
}

export function upsampleRef(x: ArrayLike<number>, B: number, C: number, H: number, W: number): Float64Array {
  const out = new Float64Array(B * C * 4 * H * W);
  for (let p = 0; p < B * C; p++)
    for (let y = 0; y < 2 * H; y++)
      for (let c = 0; c < 2 * W; c++)
        out[p * 4 * H * W + y * 2 * W + c] = x[p * H * W + Math.floor(y / 2) * W + Math.floor(c / 2)];
  return out;
}

/** out[b,c,y,x] = in[b,c+cOff,y+dy,x+dx] or 0 */
export function windowRef(
  x: ArrayLike<number>,
  [B, C, H, W]: number[],
  { cOut, cOff, hOut, wOut, dy, dx }: Window,
): Float64Array {
  const out = new Float64Array(B * cOut * hOut * wOut);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < cOut; c++)
      for (let y = 0; y < hOut; y++)
        for (let xx = 0; xx < wOut; xx++) {
          const cs = c + cOff,
            ys = y + dy,
            xs = xx + dx;
          if (cs >= 0 && cs < C && ys >= 0 && ys < H && xs >= 0 && xs < W)
            out[((b * cOut + c) * hOut + y) * wOut + xx] = x[((b * C + cs) * H + ys) * W + xs];
        }
  return out;
}
