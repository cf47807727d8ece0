/**
 * Stitching with group phase alignment (src/model/alignedStitch.ts) on the GPU: patches cut from a known object and
 * given per-group phase offsets stitch back to that object (up to one global phase) and the alignment is kept because
 * the noise-free diffraction says so; consistent patches stitch exactly as the plain stitch does.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../numerics/random';
import { extractObjectPatches } from '../pipeline/container';
import { rotateGroups } from '../pipeline/groupPhases';
import { f32 } from '../pipeline/ndarray';
import { smoothObject } from '../pipeline/objects';
import { defaultProbe, randomScan, simulateDiffraction } from '../pipeline/simulate';
import { stitchPatches, type StitchOptions } from '../gpu/ops/stitch';
import { getTestGpu } from '../testing/gpu';
import { alignedStitch } from './alignedStitch';

const N = 16,
  SIZE = 48,
  C = 4;

function scene() {
  const object = smoothObject(SIZE, { seed: 3, correlation: 4 });
  const probe = defaultProbe(N);
  const scan = randomScan(60, SIZE, SIZE, { buffer: N / 2, seed: 5 });
  for (const v of [scan.x, scan.y]) v.forEach((p, i) => (v[i] = Math.round(p)));
  const G = scan.x.length;
  // Group g: position g and its three nearest neighbours.
  const positions = new Float64Array(G * C * 2);
  for (let g = 0; g < G; g++) {
    const d = (p: number) => Math.hypot(scan.x[p] - scan.x[g], scan.y[p] - scan.y[g]);
    Array.from(scan.x.keys())
      .sort((a, b) => d(a) - d(b))
      .slice(0, C)
      .forEach((p, m) => positions.set([scan.x[p], scan.y[p]], 2 * (g * C + m)));
  }
  const px = Float64Array.from({ length: G * C }, (_, k) => positions[2 * k]);
  const py = Float64Array.from({ length: G * C }, (_, k) => positions[2 * k + 1]);
  const patches = extractObjectPatches(object, px, py, N);
  const sim = simulateDiffraction(object, probe, scan, { nphotons: 1e6, noise: 'none', seed: 1 });
  const data = {
    probe: probe.data as Float32Array,
    xcoords: scan.x,
    ycoords: scan.y,
    diffraction: f32([G, N, N], sim.amplitude),
  };
  const stitch: StitchOptions = { method: 'barycentric', middleTrim: N / 2, weighting: 'probe', probe: data.probe };
  return { object, patches, positions, data, stitch, G };
}

/** The scene's patches with a random phase offset (±1 rad) per group. */
function withOffsets(s: ReturnType<typeof scene>, seed: number): Float32Array {
  const rng = new Rng(seed);
  const offsets = Float64Array.from({ length: s.G }, () => rng.range(-1, 1));
  return rotateGroups(s.patches, { G: s.G, C, N, positions: s.positions, mt: N / 2, q: new Float64Array(0) }, offsets);
}

describe('stitching with group phase alignment', () => {
  it('undoes per-group offsets: the object comes back within 1e-4 (global phase removed), alignment kept', async () => {
    const gpu = await getTestGpu();
    const s = scene();
    const shifted = withOffsets(s, 7);
    const r = await gpu.tidyAsync(() =>
      alignedStitch(gpu, gpu.tensor([s.G * C, N, N], 'c64', shifted), C, s.positions, s.stitch, s.data),
    );
    expect(r.alignment.kept).toBe(1);
    expect(r.alignment.misfit[2]).toBeLessThan(1e-4 * r.alignment.misfit[0]);
    expect(r.alignment.rmsCorrection).toBeGreaterThan(0.3);
    // Compare with the truth where the stitch has weight, after removing the one global phase.
    const T = s.object.data as Float32Array;
    let cr = 0,
      ci = 0;
    const lit: number[] = [];
    for (let y = 0; y < r.height; y++)
      for (let x = 0; x < r.width; x++) {
        if (!(r.weights[y * r.width + x] > 1e-3)) continue;
        const k = y * r.width + x,
          t = (y + r.origin[1]) * SIZE + x + r.origin[0];
        lit.push(k, t);
        cr += r.object[2 * k] * T[2 * t] + r.object[2 * k + 1] * T[2 * t + 1];
        ci += r.object[2 * k + 1] * T[2 * t] - r.object[2 * k] * T[2 * t + 1];
      }
    const g = Math.atan2(ci, cr);
    let worst = 0;
    for (let i = 0; i < lit.length; i += 2) {
      const [k, t] = [lit[i], lit[i + 1]];
      const re = r.object[2 * k] * Math.cos(g) + r.object[2 * k + 1] * Math.sin(g);
      const im = r.object[2 * k + 1] * Math.cos(g) - r.object[2 * k] * Math.sin(g);
      worst = Math.max(worst, Math.hypot(re - T[2 * t], im - T[2 * t + 1]));
    }
    expect(lit.length / 2).toBeGreaterThan(500);
    expect(worst).toBeLessThan(1e-4);
  });

  it('keeps the plain stitch for consistent patches (same object as stitchPatches)', async () => {
    const gpu = await getTestGpu();
    const s = scene();
    const [aligned, plain] = await gpu.tidyAsync(async () => {
      const a = await alignedStitch(
        gpu,
        gpu.tensor([s.G * C, N, N], 'c64', s.patches),
        C,
        s.positions,
        s.stitch,
        s.data,
      );
      const st = stitchPatches(gpu, gpu.tensor([s.G * C, N, N], 'c64', s.patches), s.positions, s.stitch);
      return [a, await gpu.read(st.object)] as const;
    });
    expect(aligned.alignment.kept).toBe(0);
    expect(aligned.alignment.rmsCorrection).toBeLessThan(1e-6);
    expect(Array.from(aligned.object)).toEqual(Array.from(plain));
  });

  it('skips a patch stack over the read-back budget, says why, and returns the plain stitch', async () => {
    const gpu = await getTestGpu();
    const s = scene();
    const shifted = withOffsets(s, 8);
    const [skipped, plain] = await gpu.tidyAsync(async () => {
      const t = gpu.tensor([s.G * C, N, N], 'c64', shifted);
      const a = await alignedStitch(gpu, t, C, s.positions, s.stitch, s.data, t.floats - 1);
      const st = stitchPatches(gpu, gpu.tensor([s.G * C, N, N], 'c64', shifted), s.positions, s.stitch);
      return [a, await gpu.read(st.object)] as const;
    });
    expect(skipped.alignment.skipped).toMatch(
      /240 patches of 16×16 \(0\.469 MB\) exceed the 0\.469 MB the alignment reads back/,
    );
    expect(skipped.alignment.kept).toBe(0);
    expect(Array.from(skipped.object)).toEqual(Array.from(plain));
  });
});
