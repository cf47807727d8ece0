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

/** One batch update in place on `s`; returns the batch's Σ(|F| − m)². */
export function refBatchUpdate(s: RefState, batch: readonly number[], o: RefStep): number {
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
      let c: number;
      if (o.loss === 'poisson') c = 0.5 * (Math.min((m * m) / (a * a + 1e-12), 4) - 1);
      else c = a > 0 ? m / a - 1 : NaN;
      if (Number.isNaN(c)) {
        D[2 * k] = m;
        D[2 * k + 1] = 0;
      } else {
        D[2 * k] = c * F[2 * k];
        D[2 * k + 1] = c * F[2 * k + 1];
      }
    }
    const d = fft2(D, N, N, { inverse: true });
    patches.push(patch);
    dpsis.push(d);
  }
  // Position steps (before the object changes).
  const shifts: [number, number][] = [];
  if (o.positions) {
    for (let b = 0; b < batch.length; b++) {
      const p = batch[b];
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
      const clamp = (v: number) => Math.min(o.positions!.maxShift, Math.max(-o.positions!.maxShift, v));
      shifts.push([
        clamp(((c * rx - axy * ry) / det) * o.positions.step),
        clamp(((a * ry - axy * rx) / det) * o.positions.step),
      ]);
    }
  }
  // Object update: num / den accumulated over the batch, then applied.
  let pmax = 0;
  for (let k = 0; k < NN; k++) pmax = Math.max(pmax, s.probe[2 * k] ** 2 + s.probe[2 * k + 1] ** 2);
  const num = new Float64Array(2 * s.W * s.H);
  const den = new Float64Array(s.W * s.H);
  for (let b = 0; b < batch.length; b++) {
    const p = batch[b];
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        const k = i * N + j;
        const pr = s.probe[2 * k],
          pi = s.probe[2 * k + 1];
        const dr = dpsis[b][2 * k],
          di = dpsis[b][2 * k + 1];
        const ur = pr * dr + pi * di,
          ui = pr * di - pi * dr;
        for (const [y, x, w] of taps(s.pos[2 * p + 1] - half + i, s.pos[2 * p] - half + j)) {
          if (y < 0 || x < 0 || y >= s.H || x >= s.W || w === 0) continue;
          num[2 * (y * s.W + x)] += w * ur;
          num[2 * (y * s.W + x) + 1] += w * ui;
          den[y * s.W + x] += w * (pr * pr + pi * pi);
        }
      }
  }
  for (let q = 0; q < s.W * s.H; q++)
    if (den[q] > 0) {
      const c = o.step / ((1 - o.alpha) * den[q] + o.alpha * pmax);
      s.obj[2 * q] += c * num[2 * q];
      s.obj[2 * q + 1] += c * num[2 * q + 1];
    }
  // Probe update from the patches extracted before the object update.
  if (o.probe) {
    const pn = new Float64Array(2 * NN),
      pd = new Float64Array(NN);
    for (let b = 0; b < batch.length; b++)
      for (let k = 0; k < NN; k++) {
        const or = patches[b][2 * k],
          oi = patches[b][2 * k + 1];
        const dr = dpsis[b][2 * k],
          di = dpsis[b][2 * k + 1];
        pn[2 * k] += or * dr + oi * di;
        pn[2 * k + 1] += or * di - oi * dr;
        pd[k] += or * or + oi * oi;
      }
    const dmax = Math.max(...pd);
    for (let k = 0; k < NN; k++) {
      const c = o.probe.step / ((1 - o.alpha) * pd[k] + o.alpha * dmax + 1e-30);
      s.probe[2 * k] += c * pn[2 * k];
      s.probe[2 * k + 1] += c * pn[2 * k + 1];
    }
  }
  for (let b = 0; b < batch.length; b++)
    if (o.positions) {
      s.pos[2 * batch[b]] += shifts[b][0];
      s.pos[2 * batch[b] + 1] += shifts[b][1];
    }
  return err;
}
