/**
 * ln Γ(x) in float64 (Lanczos, g=7, n=9; |rel err| < 1e-13 for x > 0). Shared by Rng.poisson's acceptance test
 * (src/numerics/random.ts) and the Poisson loss's float64 reference (src/gpu/ops/loss.ref.ts).
 */
export function lgammaNum(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgammaNum(1 - x);
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  x -= 1;
  let a = c[0];
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}
