/** Float64 references for pool / upsample / layout / broadcast-multiply (NCHW, flat arrays) and erf / GELU. */
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

/**
 * erf in float64 to ~1e-15: for |x| < 3 the all-positive series erf(x) = (2/√π)·e^{−x²}·Σ 2ⁿx^{2n+1}/(2n+1)!!
 * (no cancellation); beyond, 1 − erfc from its continued fraction.
 */
export function erfRef(x: number): number {
  const a = Math.abs(x);
  if (a >= 3) return Math.sign(x) * (1 - erfcRef(a));
  let term = a;
  let s = a;
  for (let n = 1; n < 200 && term > 1e-18 * s; n++) {
    term *= (2 * a * a) / (2 * n + 1);
    s += term;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * s;
}

/** erfc in float64, relatively accurate in the upper tail: e^{−x²}/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))). */
export function erfcRef(x: number): number {
  if (x < 3) return 1 - erfRef(x);
  let f = x;
  for (let k = 120; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Standard normal CDF Φ(x) = ½·erfc(−x/√2), relatively accurate in both tails' meaningful direction. */
export function normCdfRef(x: number): number {
  return x < 0 ? 0.5 * erfcRef(-x / Math.SQRT2) : 1 - 0.5 * erfcRef(x / Math.SQRT2);
}

/** torch's exact nn.GELU(): x·Φ(x), and its derivative Φ(x) + x·φ(x). */
export const geluRef = (x: number): number => x * normCdfRef(x);
export const geluGradRef = (x: number): number => normCdfRef(x) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
