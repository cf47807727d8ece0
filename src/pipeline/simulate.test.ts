/**
 * Synthetic data (src/pipeline/simulate.ts): the default probe, objects, scans and the forward simulation.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dft2Naive, fftshift2 } from './fftCpu';
import type { NdArray } from './ndarray';
import { defaultProbe, gaussianFilter, gridScan, randomScan, simulateDataset, simulateDiffraction } from './simulate';
import { grfObject, linesObject } from './objects';
import { SCAN_NPZ_KEYS } from '../testing/fixtures';

const sp = JSON.parse(readFileSync(new URL('../../tests/fixtures/sim/scipy_reference.json', import.meta.url), 'utf8'));

describe('synthetic data', () => {
  it('default probe equals the reference get_default_probe (scipy) to float32 round-off; disk sizes 88 / 376 px', () => {
    for (const N of [32, 64]) {
      const p = defaultProbe(N).data as Float32Array;
      const ref = sp[`probe${N}`] as number[];
      ref.forEach((v, i) => expect(Math.abs(p[2 * i] - v)).toBeLessThan(1e-6));
      expect(p.filter((_, i) => i % 2 === 1).every((v) => v === 0)).toBe(true);
    }
    expect([sp.disk32, sp.disk64]).toEqual([88, 376]);
  });

  it('gaussianFilter equals scipy.ndimage.gaussian_filter (reflect) to 1e-12', () => {
    for (const s of [1, 5])
      gaussianFilter(sp.gf_in, 20, 17, s).forEach((v, i) => expect(Math.abs(v - sp[`gf${s}`][i])).toBeLessThan(1e-12));
  });

  it('noise-free diffraction equals a float64 naive DFT; Σ A² = Σ|P·O|² (Parseval); counts average nphotons', () => {
    const N = 8;
    const obj = linesObject(24, { seed: 3 });
    const probe = defaultProbe(N);
    const scan = { x: Float64Array.from([10, 12.5, 13]), y: Float64Array.from([11, 9.25, 14]) };
    const d = simulateDiffraction(obj, probe, scan, { nphotons: 1e6, noise: 'none', seed: 1 });
    const NN = N * N;
    let energy = 0;
    for (let p = 0; p < 3; p++) {
      const psi = new Float64Array(2 * NN);
      for (let k = 0; k < NN; k++) {
        const yr = d.patches[2 * (p * NN + k)],
          yi = d.patches[2 * (p * NN + k) + 1];
        const pr = (probe.data as Float32Array)[2 * k];
        psi[2 * k] = yr * pr;
        psi[2 * k + 1] = yi * pr;
        energy += psi[2 * k] ** 2 + psi[2 * k + 1] ** 2;
      }
      const F = fftshift2(dft2Naive(psi, N, N), N, N, 2);
      let sumA2 = 0;
      for (let k = 0; k < NN; k++) {
        const ref = Math.sqrt((F[2 * k] ** 2 + F[2 * k + 1] ** 2) / NN);
        expect(Math.abs(d.amplitude[p * NN + k] - ref)).toBeLessThan(1e-6 * Math.max(1, ref));
        sumA2 += d.amplitude[p * NN + k] ** 2;
      }
      let e = 0;
      for (let k = 0; k < 2 * NN; k++) e += psi[k] ** 2;
      expect(Math.abs(sumA2 - e) / e).toBeLessThan(1e-5);
    }
    // Scaled back by s: mean Σ (s·A)² = nphotons.
    let tot = 0;
    for (const a of d.amplitude) tot += (a * d.scale) ** 2;
    expect(tot / 3 / 1e6).toBeCloseTo(1, 6);
    void energy;
  });

  it('Poisson noise: mean counts per pattern ≈ nphotons (±1 %)', () => {
    const N = 16;
    const obj = linesObject(48, { seed: 4 });
    const scan = randomScan(40, 48, 48, { buffer: 8, seed: 5 });
    const d = simulateDiffraction(obj, defaultProbe(N), scan, { nphotons: 1e5, noise: 'poisson', seed: 6 });
    let tot = 0;
    for (const a of d.amplitude) tot += Math.round((a * d.scale) ** 2);
    expect(Math.abs(tot / 40 / 1e5 - 1)).toBeLessThan(0.01);
  });

  it('patch centring: an impulse at object (row 7, col 19) of a non-square object is the centre pixel of the patch for x=19, y=7', () => {
    const H = 16,
      W = 30,
      N = 8;
    const data = new Float32Array(2 * H * W);
    data[2 * (7 * W + 19)] = 1;
    const obj: NdArray = { dtype: 'c64', shape: [H, W], data };
    const d = simulateDiffraction(
      obj,
      { dtype: 'c64', shape: [N, N], data: new Float32Array(2 * N * N).fill(1) },
      { x: Float64Array.from([19]), y: Float64Array.from([7]) },
      { nphotons: 1, noise: 'none', seed: 1 },
    );
    let best = -1,
      bi = -1;
    for (let k = 0; k < N * N; k++) {
      if (d.patches[2 * k] > best) {
        best = d.patches[2 * k];
        bi = k;
      }
    }
    expect([Math.floor(bi / N), bi % N]).toEqual([N / 2, N / 2]);
  });

  it('datasets are deterministic by seed and hold the raw contract keys with _metadata', () => {
    const opts = {
      object: 'lines',
      probe: 'default',
      positions: 'random',
      N: 16,
      nImages: 12,
      objectSize: 48,
    } as const;
    const a = simulateDataset({ ...opts, seed: 7 });
    const b = simulateDataset({ ...opts, seed: 7 });
    const c = simulateDataset({ ...opts, seed: 8 });
    expect(Array.from(a.diff3d.data)).toEqual(Array.from(b.diff3d.data));
    expect(Array.from(a.diff3d.data)).not.toEqual(Array.from(c.diff3d.data));
    expect(Object.keys(a).sort()).toEqual(['_metadata', ...SCAN_NPZ_KEYS]);
    expect(JSON.parse(a._metadata.text!).physics_parameters.nphotons).toBe(1e9);
    const g = simulateDataset({ object: 'grf', probe: 'default', positions: 'grid', N: 16, seed: 1, objectSize: 48 });
    expect(g.diff3d.shape[0]).toBe(gridScan(48, 48, { step: 2, buffer: 8, seed: 2 }).x.length);
    const grf = grfObject(40, { seed: 2 });
    expect(grf.shape).toEqual([40, 40]);
  });
});
