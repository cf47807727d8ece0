/**
 * Float64 CPU reference of one batch update of the solver (src/solver/solver.ts, src/gpu/shaders/pie.wgsl): the
 * tests' oracle. Same formulas, written the direct way (scatter for the object update instead of tile gathers).
 */
import { fft2 } from '../pipeline/fftCpu';

export interface RefState {
  N: number;
  W: number;
  H: number;
  /** (H, W) complex object canvas, interleaved. */
  obj: Float64Array;
  /** (N, N) complex probe. */
  probe: Float64Array;
  /** Canvas positions (x, y) per scan position. */
  pos: Float64Array;
  /** (n, N, N) measured |FFT| (unshifted). */
  modulus: Float64Array;
}

export interface RefStep {
  step: number;
  alpha: number;
  loss: 'amplitude' | 'poisson';
  probe?: { step: number };
  positions?: { step: number; maxShift: number };
}

function taps(sy: number, sx: number): [number, number, number][] {
  const y0 = Math.floor(sy),
    x0 = Math.floor(sx);
  const fy = sy - y0,
    fx = sx - x0;
  return [
    [y0, x0, (1 - fy) * (1 - fx)],
    [y0, x0 + 1, (1 - fy) * fx],
    [y0 + 1, x0, fy * (1 - fx)],
    [y0 + 1, x0 + 1, fy * fx],
  ];
}

function sample(s: RefState, sy: number, sx: number): [number, number] {
  let re = 0,
    im = 0;
  for (const [y, x, w] of taps(sy, sx)) {
    if (y < 0 || x < 0 || y >= s.H || x >= s.W) continue;
    re += w * s.obj[2 * (y * s.W + x)];
    im += w * s.obj[2 * (y * s.W + x) + 1];
  }
  return [re, im];
}

/** The batch's object patches and exit-wave changes Δψ (Fourier step), and its Σ(|F| − m)². */
function exitWaveChanges(s: RefState, batch: readonly number[], loss: RefStep['loss']) {
  const { N } = s;
  const NN = N * N;
  const half = N / 2;
  const patches: Float64Array[] = [];
  const dpsis: Float64Array[] = [];
  let err = 0;
  for (const p of batch) {
    const patch = new Float64Array(2 * NN);
    const psi = new Float64Array(2 * NN);
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        const k = i * N + j;
        const [or, oi] = sample(s, s.pos[2 * p + 1] - half + i, s.pos[2 * p] - half + j);
        patch[2 * k] = or;
        patch[2 * k + 1] = oi;
        const pr = s.probe[2 * k],
          pi = s.probe[2 * k + 1];
        psi[2 * k] = pr * or - pi * oi;
        psi[2 * k + 1] = pr * oi + pi * or;
      }
    const F = fft2(psi, N, N);
    const D = new Float64Array(2 * NN);
    for (let k = 0; k < NN; k++) {
      const a = Math.hypot(F[2 * k], F[2 * k + 1]);
      const m = s.modulus[p * NN + k];
      err += (a - m) ** 2;
      if (loss === 'amplitude' && a === 0) {
        D[2 * k] = m;
        continue;
      }
      const c = loss === 'poisson' ? 0.5 * (Math.min((m * m) / (a * a + 1e-12), 4) - 1) : m / a - 1;
      D[2 * k] = c * F[2 * k];
      D[2 * k + 1] = c * F[2 * k + 1];
    }
    patches.push(patch);
    dpsis.push(fft2(D, N, N, { inverse: true }));
  }
  return { patches, dpsis, err };
}

/** Each batch element's least-squares shift (before the object changes), clamped. */
function positionSteps(
  s: RefState,
  batch: readonly number[],
  dpsis: Float64Array[],
  o: { step: number; maxShift: number },
): [number, number][] {
  const { N } = s;
  const half = N / 2;
  const clamp = (v: number) => Math.min(o.maxShift, Math.max(-o.maxShift, v));
  return batch.map((p, b) => {
    let axx = 0,
      axy = 0,
      ayy = 0,
      rx = 0,
      ry = 0;
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        const k = i * N + j;
        const sy = s.pos[2 * p + 1] - half + i,
          sx = s.pos[2 * p] - half + j;
        const [xr1, xi1] = sample(s, sy, sx + 1),
          [xr0, xi0] = sample(s, sy, sx - 1);
        const [yr1, yi1] = sample(s, sy + 1, sx),
          [yr0, yi0] = sample(s, sy - 1, sx);
        const pr = s.probe[2 * k],
          pi = s.probe[2 * k + 1];
        const dxr = (xr1 - xr0) / 2,
          dxi = (xi1 - xi0) / 2,
          dyr = (yr1 - yr0) / 2,
          dyi = (yi1 - yi0) / 2;
        const gxr = pr * dxr - pi * dxi,
          gxi = pr * dxi + pi * dxr;
        const gyr = pr * dyr - pi * dyi,
          gyi = pr * dyi + pi * dyr;
        const dr = dpsis[b][2 * k],
          di = dpsis[b][2 * k + 1];
        axx += gxr * gxr + gxi * gxi;
        axy += gxr * gyr + gxi * gyi;
        ayy += gyr * gyr + gyi * gyi;
        rx += gxr * dr + gxi * di;
        ry += gyr * dr + gyi * di;
      }
    const ridge = 1e-3 * (axx + ayy) + 1e-20;
    const a = axx + ridge,
      c = ayy + ridge;
    const det = a * c - axy * axy;
    return [clamp(((c * rx - axy * ry) / det) * o.step), clamp(((a * ry - axy * rx) / det) * o.step)];
  });
}

/** O += step · Σ conj(P)Δψ / ((1 − α)·Σ|P|² + α·max|P|²·√max(Σ1, 1)), scattered bilinearly. */
function objectUpdate(s: RefState, batch: readonly number[], dpsis: Float64Array[], o: RefStep): void {
  const { N } = s;
  const half = N / 2;
  let pmax = 0;
  for (let k = 0; k < N * N; k++) pmax = Math.max(pmax, s.probe[2 * k] ** 2 + s.probe[2 * k + 1] ** 2);
  const num = new Float64Array(2 * s.W * s.H);
  const den = new Float64Array(s.W * s.H);
  const cnt = new Float64Array(s.W * s.H);
  batch.forEach((p, b) => {
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        const k = i * N + j;
        const pr = s.probe[2 * k],
          pi = s.probe[2 * k + 1];
        const dr = dpsis[b][2 * k],
          di = dpsis[b][2 * k + 1];
        for (const [y, x, w] of taps(s.pos[2 * p + 1] - half + i, s.pos[2 * p] - half + j)) {
          if (y < 0 || x < 0 || y >= s.H || x >= s.W || w === 0) continue;
          num[2 * (y * s.W + x)] += w * (pr * dr + pi * di);
          num[2 * (y * s.W + x) + 1] += w * (pr * di - pi * dr);
          den[y * s.W + x] += w * (pr * pr + pi * pi);
          cnt[y * s.W + x] += w;
        }
      }
  });
  for (let q = 0; q < s.W * s.H; q++)
    if (den[q] > 0) {
      const c = o.step / ((1 - o.alpha) * den[q] + o.alpha * pmax * Math.sqrt(Math.max(cnt[q], 1)));
      s.obj[2 * q] += c * num[2 * q];
      s.obj[2 * q + 1] += c * num[2 * q + 1];
    }
}

/** P += step · Σ conj(O_b)Δψ_b / ((1 − α)·Σ|O_b|² + α·max), from the patches extracted before the object update. */
function probeUpdate(s: RefState, patches: Float64Array[], dpsis: Float64Array[], step: number, alpha: number): void {
  const NN = s.N * s.N;
  const pn = new Float64Array(2 * NN),
    pd = new Float64Array(NN);
  patches.forEach((o, b) => {
    for (let k = 0; k < NN; k++) {
      const dr = dpsis[b][2 * k],
        di = dpsis[b][2 * k + 1];
      pn[2 * k] += o[2 * k] * dr + o[2 * k + 1] * di;
      pn[2 * k + 1] += o[2 * k] * di - o[2 * k + 1] * dr;
      pd[k] += o[2 * k] ** 2 + o[2 * k + 1] ** 2;
    }
  });
  const dmax = Math.max(...pd);
  for (let k = 0; k < NN; k++) {
    const c = step / ((1 - alpha) * pd[k] + alpha * dmax + 1e-30);
    s.probe[2 * k] += c * pn[2 * k];
    s.probe[2 * k + 1] += c * pn[2 * k + 1];
  }
}

/** One batch update in place on `s`, in the GPU's order; returns the batch's Σ(|F| − m)². */
export function refBatchUpdate(s: RefState, batch: readonly number[], o: RefStep): number {
  const { patches, dpsis, err } = exitWaveChanges(s, batch, o.loss);
  const shifts = o.positions ? positionSteps(s, batch, dpsis, o.positions) : null;
  objectUpdate(s, batch, dpsis, o);
  if (o.probe) probeUpdate(s, patches, dpsis, o.probe.step, o.alpha);
  if (shifts)
    batch.forEach((p, b) => {
      s.pos[2 * p] += shifts[b][0];
      s.pos[2 * p + 1] += shifts[b][1];
    });
  return err;
}
