/** Float64 reference of instance normalisation (norm.ts) and its adjoints, NCHW flat arrays. */

export interface InstanceNormRefOptions {
  weight?: ArrayLike<number>;
  bias?: ArrayLike<number>;
  eps?: number;
}

/** Per (b, c) row: mean and 1/sqrt(biased var + eps). */
function rowStats(x: ArrayLike<number>, row: number, hw: number, eps: number): [number, number] {
  let s = 0;
  for (let i = 0; i < hw; i++) s += x[row * hw + i];
  const mu = s / hw;
  let q = 0;
  for (let i = 0; i < hw; i++) q += (x[row * hw + i] - mu) ** 2;
  return [mu, 1 / Math.sqrt(q / hw + eps)];
}

/** y = (x − mean)/sqrt(var + eps)·w[c] + b[c] (w = 1, b = 0 without affine). */
export function instanceNormRef(
  x: ArrayLike<number>,
  shape: number[],
  opts: InstanceNormRefOptions = {},
): Float64Array {
  const [B, C, H, W] = shape;
  const hw = H * W;
  const out = new Float64Array(B * C * hw);
  for (let row = 0; row < B * C; row++) {
    const c = row % C;
    const [mu, r] = rowStats(x, row, hw, opts.eps ?? 1e-5);
    const w = opts.weight ? opts.weight[c] : 1;
    const b = opts.bias ? opts.bias[c] : 0;
    for (let i = 0; i < hw; i++) out[row * hw + i] = (x[row * hw + i] - mu) * r * w + b;
  }
  return out;
}

/** Adjoints for the output gradient g: gx = r·w·(g − mean g − x̂·mean(g·x̂)), gw = Σ g·x̂, gb = Σ g per channel. */
export function instanceNormGradRef(
  x: ArrayLike<number>,
  shape: number[],
  g: ArrayLike<number>,
  opts: InstanceNormRefOptions = {},
): { gx: Float64Array; gw: Float64Array; gb: Float64Array } {
  const [B, C, H, W] = shape;
  const hw = H * W;
  const gx = new Float64Array(B * C * hw);
  const gw = new Float64Array(C);
  const gb = new Float64Array(C);
  for (let row = 0; row < B * C; row++) {
    const c = row % C;
    const [mu, r] = rowStats(x, row, hw, opts.eps ?? 1e-5);
    const w = opts.weight ? opts.weight[c] : 1;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < hw; i++) {
      s1 += g[row * hw + i];
      s2 += g[row * hw + i] * (x[row * hw + i] - mu) * r;
    }
    gb[c] += s1;
    gw[c] += s2;
    for (let i = 0; i < hw; i++) {
      const xh = (x[row * hw + i] - mu) * r;
      gx[row * hw + i] = r * w * (g[row * hw + i] - s1 / hw - (xh * s2) / hw);
    }
  }
  return { gx, gw, gb };
}
