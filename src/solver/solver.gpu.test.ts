import { describe, expect, it } from 'vitest';
import { getTestGpu } from '../testing/gpu';
import { toRawData } from '../pipeline/contract';
import { evaluateReconstruction } from '../pipeline/metrics';
import { linesObject } from '../pipeline/objects';
import { diskProbe } from '../pipeline/probes';
import { Rng } from '../numerics/random';
import type { RawData } from '../pipeline/rawData';
import { defaultProbe, simulateDataset } from '../pipeline/simulate';
import { PtychoSolver, type SolverOptions } from './solver';

/** Solve `raw` (probe and positions overridable) and score the object against its objectGuess. */
async function solve(
  raw: RawData,
  opts: Partial<SolverOptions>,
  over: { probe?: Float32Array; x?: Float64Array; y?: Float64Array } = {},
) {
  const gpu = await getTestGpu();
  const s = new PtychoSolver(
    gpu,
    {
      N: raw.N,
      diffraction: raw.diffraction.data as Float32Array,
      probe: over.probe ?? (raw.probeGuess.data as Float32Array),
      x: over.x ?? raw.xcoords,
      y: over.y ?? raw.ycoords,
    },
    opts,
  );
  try {
    await s.initialise();
    const r = await s.run();
    const [H, W] = raw.objectGuess!.shape;
    const m = evaluateReconstruction(
      { data: r.image.object, width: r.image.width, height: r.image.height },
      r.image.origin,
      { data: raw.objectGuess!.data as Float32Array, width: W, height: H },
      { weights: r.image.weights },
    );
    return { r, m };
  } finally {
    s.dispose();
  }
}

describe('the iterative solver (N 32, simulated, Poisson noise at 1e6 photons)', () => {
  it('reconstructs amplitude and phase to r ≥ 0.98 with the default options', async () => {
    const raw = toRawData(
      simulateDataset({
        object: linesObject(64, { seed: 2 }),
        probe: defaultProbe(32),
        positions: 'random',
        nImages: 128,
        nphotons: 1e6,
        noise: 'poisson',
        seed: 4,
      }),
    );
    const { r, m } = await solve(raw, {});
    expect(m.amplitude.r).toBeGreaterThanOrEqual(0.98);
    expect(m.phase.r).toBeGreaterThanOrEqual(0.98);
    // The error falls over the run and the history has every iteration.
    expect(r.history).toHaveLength(30);
    expect(r.history[29].error).toBeLessThan(r.history[0].error / 10);
  }, 120_000);

  it('recovers a defocused probe: object r ≥ 0.9 refined, < 0.5 with the fixed wrong probe', async () => {
    const truth = diskProbe(32, { radius: 32 / 6, edge: 1, curvature: 3 });
    const flat = diskProbe(32, { radius: 32 / 6, edge: 1, curvature: 0 });
    const raw = toRawData(
      simulateDataset({
        object: linesObject(96, { seed: 5 }),
        probe: truth,
        positions: 'random',
        nImages: 256,
        nphotons: 1e6,
        noise: 'poisson',
        seed: 7,
      }),
    );
    const probe = flat.data as Float32Array;
    const fixed = await solve(raw, {}, { probe });
    const refined = await solve(raw, { refineProbe: true }, { probe });
    expect(fixed.m.amplitude.r).toBeLessThan(0.5);
    expect(refined.m.amplitude.r).toBeGreaterThanOrEqual(0.9);
    // The refined probe took on the defocus: |⟨P_true, P⟩| / (‖P_true‖‖P‖) (global phase free) near 1, far
    // above the flat start's.
    const match = (p: Float32Array) => {
      const t = truth.data as Float32Array;
      let re = 0,
        im = 0,
        na = 0,
        nb = 0;
      for (let k = 0; k < 32 * 32; k++) {
        re += t[2 * k] * p[2 * k] + t[2 * k + 1] * p[2 * k + 1];
        im += t[2 * k] * p[2 * k + 1] - t[2 * k + 1] * p[2 * k];
        na += p[2 * k] ** 2 + p[2 * k + 1] ** 2;
        nb += t[2 * k] ** 2 + t[2 * k + 1] ** 2;
      }
      return Math.hypot(re, im) / Math.sqrt(na * nb);
    };
    expect(match(refined.r.probe)).toBeGreaterThan(0.9);
    expect(match(refined.r.probe)).toBeGreaterThan(match(probe) + 0.1);
  }, 120_000);

  it('recovers positions shifted by up to ±2 px to ≤ 0.3 px RMS', async () => {
    const raw = toRawData(
      simulateDataset({
        object: 'grf',
        objectSize: 96,
        probe: defaultProbe(32),
        positions: 'random',
        nImages: 256,
        nphotons: 1e6,
        noise: 'poisson',
        seed: 7,
      }),
    );
    const rng = new Rng(3);
    const n = raw.nPatterns;
    const ex = Float64Array.from({ length: n }, () => rng.range(-2, 2));
    const ey = Float64Array.from({ length: n }, () => rng.range(-2, 2));
    const x = Float64Array.from(raw.xcoords, (v, i) => v + ex[i]);
    const y = Float64Array.from(raw.ycoords, (v, i) => v + ey[i]);
    const rms = (dx: (i: number) => number, dy: (i: number) => number) => {
      // A common shift of every position is a shift of the object (not determined by the data): taken out.
      let mx = 0,
        my = 0;
      for (let i = 0; i < n; i++) {
        mx += dx(i) / n;
        my += dy(i) / n;
      }
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (dx(i) - mx) ** 2 + (dy(i) - my) ** 2;
      return Math.sqrt(ss / n);
    };
    expect(
      rms(
        (i) => ex[i],
        (i) => ey[i],
      ),
    ).toBeGreaterThan(1.5);
    const { r, m } = await solve(raw, { refinePositions: true, iterations: 50 }, { x, y });
    const after = rms(
      (i) => r.x[i] - raw.xcoords[i],
      (i) => r.y[i] - raw.ycoords[i],
    );
    expect(after).toBeLessThanOrEqual(0.3);
    expect(m.amplitude.r).toBeGreaterThan(0.95);
    // The reported move is the RMS distance from the given positions.
    expect(r.history[49].positionRms).toBeGreaterThan(1);
  }, 180_000);
});
