/** Float64 references of the PtychoPINN losses (loss.ts) for the tests. */
import { lgammaNum } from '../../numerics/lgamma';

/** Float64 references of the PtychoPINN losses (see loss.ts). pred/obs are (B, …) flattened; S per sample. */
export function poissonLossRef(
  pred: ArrayLike<number>,
  obs: ArrayLike<number>,
  S: ArrayLike<number>,
  B: number,
): number {
  const per = pred.length / B;
  let total = 0;
  let obsSum = 0;
  for (let i = 0; i < pred.length; i++) {
    const s = S[Math.floor(i / per)];
    const lam = (s * pred[i]) ** 2;
    const k = (s * obs[i]) ** 2;
    total += lam - (k > 0 ? k * Math.log(lam) : 0) + lgammaNum(k + 1);
    obsSum += obs[i];
  }
  return total / B / (obsSum / pred.length + 1e-8);
}

export function maeLossRef(pred: ArrayLike<number>, obs: ArrayLike<number>, S: ArrayLike<number>, B: number): number {
  const per = pred.length / B;
  let total = 0;
  let obsSum = 0;
  for (let i = 0; i < pred.length; i++) {
    const s = S[Math.floor(i / per)];
    total += Math.abs(s * pred[i] - s * obs[i]);
    obsSum += obs[i];
  }
  return total / pred.length / (obsSum / pred.length + 1e-8);
}

/** torch.optim.Adam step (float64), in place; returns nothing. `t` is the 1-based step count. */
export function adamStepRef(
  p: Float64Array,
  g: ArrayLike<number>,
  m: Float64Array,
  v: Float64Array,
  t: number,
  o: { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number },
): void {
  const bc1 = 1 - o.beta1 ** t;
  const bc2 = 1 - o.beta2 ** t;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] + o.weightDecay * p[i];
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * gi;
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * gi * gi;
    const denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + o.eps;
    p[i] -= (o.lr / bc1) * (m[i] / denom);
  }
}
