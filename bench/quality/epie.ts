/**
 * A plain ePIE (Maiden & Rodenburg 2009) in float64 on the CPU, with the known probe and integer positions: what
 * the physics allows on a scan, the quality benchmark's ceiling to read the network's numbers against (and the
 * judge of which families are reconstructable at all). Not the app's solver — just the textbook loop.
 */
import { fft2 } from '../../src/pipeline/fftCpu';
import { evaluateReconstruction, type ReconstructionMetrics } from '../../src/pipeline/metrics';
import { Rng } from '../../src/numerics/random';
import type { RawData } from '../../src/pipeline/rawData';

export interface EpieResult {
  /** (H, W) complex, interleaved, on the objectGuess grid (origin [0, 0]). */
  object: Float64Array;
  /** Σ |P|² over the scan positions: the illumination, for the metrics' region. */
  weights: Float64Array;
  width: number;
  height: number;
  seconds: number;
}

/** `iterations` ePIE sweeps (random order, step α = 1) from a flat object; the probe stays the scan's probeGuess. */
export function epie(raw: RawData, opts: { iterations?: number; seed?: number } = {}): EpieResult {
  const t0 = performance.now();
  const N = raw.N;
  const NN = N * N;
  const [H, W] = raw.objectGuess!.shape;
  const P = raw.probeGuess.data as Float32Array;
  const A = raw.diffraction.data as Float32Array;
  const n = raw.nPatterns;
  let pmax = 0;
  for (let k = 0; k < NN; k++) pmax = Math.max(pmax, P[2 * k] ** 2 + P[2 * k + 1] ** 2);
  // Measured |FFT| in the unshifted frame: A = fftshift(|FFT(ψ)|)/N ⇒ |FFT(ψ)| = N·ifftshift(A).
  const modulus = new Float64Array(n * NN);
  for (let p = 0; p < n; p++)
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++)
        modulus[p * NN + i * N + j] = N * A[p * NN + ((i + N / 2) % N) * N + ((j + N / 2) % N)];
  const top = Int32Array.from({ length: n }, (_, p) => Math.round(raw.ycoords[p] - N / 2));
  const left = Int32Array.from({ length: n }, (_, p) => Math.round(raw.xcoords[p] - N / 2));
  const O = new Float64Array(2 * H * W);
  for (let i = 0; i < H * W; i++) O[2 * i] = 1;
  const psi = new Float64Array(2 * NN);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const rng = new Rng(opts.seed ?? 1);
  const inside = (y: number, x: number) => y >= 0 && y < H && x >= 0 && x < W;
  for (let it = 0; it < (opts.iterations ?? 50); it++) {
    rng.shuffle(order);
    for (const p of order) {
      for (let i = 0; i < N; i++)
        for (let j = 0; j < N; j++) {
          const y = top[p] + i,
            x = left[p] + j;
          const k = i * N + j;
          const or = inside(y, x) ? O[2 * (y * W + x)] : 0,
            oi = inside(y, x) ? O[2 * (y * W + x) + 1] : 0;
          psi[2 * k] = or * P[2 * k] - oi * P[2 * k + 1];
          psi[2 * k + 1] = or * P[2 * k + 1] + oi * P[2 * k];
        }
      const F = fft2(psi, N, N);
      for (let k = 0; k < NN; k++) {
        const m = Math.hypot(F[2 * k], F[2 * k + 1]);
        const s = modulus[p * NN + k] / (m + 1e-12);
        F[2 * k] *= s;
        F[2 * k + 1] *= s;
      }
      const corrected = fft2(F, N, N, { inverse: true });
      for (let i = 0; i < N; i++)
        for (let j = 0; j < N; j++) {
          const y = top[p] + i,
            x = left[p] + j;
          if (!inside(y, x)) continue;
          const k = i * N + j;
          const dr = corrected[2 * k] - psi[2 * k],
            di = corrected[2 * k + 1] - psi[2 * k + 1];
          // O += conj(P)·Δψ / max|P|²
          O[2 * (y * W + x)] += (P[2 * k] * dr + P[2 * k + 1] * di) / pmax;
          O[2 * (y * W + x) + 1] += (P[2 * k] * di - P[2 * k + 1] * dr) / pmax;
        }
    }
  }
  const weights = new Float64Array(H * W);
  for (let p = 0; p < n; p++)
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++)
        if (inside(top[p] + i, left[p] + j))
          weights[(top[p] + i) * W + left[p] + j] += P[2 * (i * N + j)] ** 2 + P[2 * (i * N + j) + 1] ** 2;
  return { object: O, weights, width: W, height: H, seconds: (performance.now() - t0) / 1000 };
}

/** An ePIE result scored against the scan's objectGuess (same grid, origin [0, 0]) on its illuminated pixels. */
export function epieMetrics(raw: RawData, e: EpieResult): ReconstructionMetrics {
  return evaluateReconstruction(
    { data: e.object, width: e.width, height: e.height },
    [0, 0],
    { data: raw.objectGuess!.data as Float32Array, width: e.width, height: e.height },
    { weights: e.weights },
  );
}
