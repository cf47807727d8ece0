/**
 * Group phase alignment (src/pipeline/groupPhases.ts) against known answers: patches cut from one object and given
 * known per-group phase offsets must get exactly those offsets back (up to one common constant), and the diffraction
 * misfit must be zero for the object that made noise-free data, blind to a global phase and the data's scale, and
 * clearly positive for an object with a wrong slowly varying phase.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../numerics/random';
import { extractObjectPatches } from './container';
import { diffractionMisfit, groupPhaseCorrections, rotateGroups, type GroupLayout } from './groupPhases';
import { c64, f32, type NdArray } from './ndarray';
import { smoothObject } from './objects';
import { defaultProbe, randomScan, simulateDiffraction } from './simulate';

const N = 16;
const SIZE = 48;

/** Each position with its C − 1 nearest neighbours, group-major member positions. */
function groupsOf(x: Float64Array, y: Float64Array, C: number): Float64Array {
  const out = new Float64Array(x.length * C * 2);
  for (let g = 0; g < x.length; g++) {
    const near = Array.from(x.keys())
      .sort((a, b) => Math.hypot(x[a] - x[g], y[a] - y[g]) - Math.hypot(x[b] - x[g], y[b] - y[g]))
      .slice(0, C);
    near.forEach((p, m) => out.set([x[p], y[p]], 2 * (g * C + m)));
  }
  return out;
}

function probeWeights(probe: NdArray, mt: number): Float64Array {
  const p = probe.data as Float32Array;
  const o = N / 2 - mt / 2;
  return Float64Array.from({ length: mt * mt }, (_, k) => {
    const i = 2 * ((o + Math.floor(k / mt)) * N + o + (k % mt));
    return p[i] ** 2 + p[i + 1] ** 2;
  });
}

/** Whole-pixel positions make the crops and the splats exact (no interpolation), so the answers are exact too. */
function setup(C: number, wholePixels = true) {
  const object = smoothObject(SIZE, { seed: 3, correlation: 4 });
  const probe = defaultProbe(N);
  const scan = randomScan(60, SIZE, SIZE, { buffer: N / 2, seed: 5 });
  if (wholePixels) for (const v of [scan.x, scan.y]) v.forEach((p, i) => (v[i] = Math.round(p)));
  const positions = groupsOf(scan.x, scan.y, C);
  const G = scan.x.length;
  const px = Float64Array.from({ length: G * C }, (_, k) => positions[2 * k]);
  const py = Float64Array.from({ length: G * C }, (_, k) => positions[2 * k + 1]);
  const patches = extractObjectPatches(object, px, py, N);
  const layout: GroupLayout = { G, C, N, positions, mt: N / 2, q: probeWeights(probe, N / 2) };
  return { object, probe, scan, patches, layout };
}

describe('group phase corrections', () => {
  for (const C of [1, 4]) {
    it(`recover known per-group offsets (±1.5 rad) from the overlaps alone, C ${C}`, () => {
      const { patches, layout } = setup(C);
      const rng = new Rng(11);
      const offsets = Float64Array.from({ length: layout.G }, () => rng.range(-1.5, 1.5));
      const shifted = rotateGroups(patches, layout, offsets);
      const theta = groupPhaseCorrections(shifted, layout);
      // θ_g + offset_g is one constant for every group (the global phase stays free).
      const c = theta[0] + offsets[0];
      let worst = 0;
      for (let g = 0; g < layout.G; g++) {
        const d = theta[g] + offsets[g] - c;
        worst = Math.max(worst, Math.abs(Math.atan2(Math.sin(d), Math.cos(d))));
      }
      expect(worst).toBeLessThan(1e-5);
      // The energy-weighted mean correction is zero: the stitch keeps the patches' overall phase.
      const mean = Math.atan2(
        theta.reduce((s, t) => s + Math.sin(t), 0),
        theta.reduce((s, t) => s + Math.cos(t), 0),
      );
      expect(Math.abs(mean)).toBeLessThan(0.1);
    });
  }

  it('leave consistent patches alone (below 1e-6 rad; at sub-pixel positions the interpolation leaves < 0.05 rad)', () => {
    const exact = setup(4);
    expect(Math.max(...groupPhaseCorrections(exact.patches, exact.layout).map(Math.abs))).toBeLessThan(1e-6);
    // Cropping and splatting at fractional positions blurs each group differently: a small bias, not an offset.
    const sub = setup(4, false);
    expect(Math.max(...groupPhaseCorrections(sub.patches, sub.layout).map(Math.abs))).toBeLessThan(0.05);
  });

  it('refuse a patch array that does not match the layout', () => {
    const { patches, layout } = setup(4);
    expect(() => groupPhaseCorrections(patches.subarray(2), layout)).toThrow(/complex values for/);
  });
});

describe('diffraction misfit of a stitched object', () => {
  const { object, probe, scan } = setup(1);
  const noiseFree = simulateDiffraction(object, probe, scan, { nphotons: 1e6, noise: 'none', seed: 1 });
  const diffraction = f32([scan.x.length, N, N], noiseFree.amplitude);
  const P = probe.data as Float32Array;
  const asStitched = (o: NdArray) => ({
    object: o.data as Float32Array,
    weights: new Float32Array(SIZE * SIZE).fill(1),
    width: SIZE,
    height: SIZE,
    origin: [0, 0] as [number, number],
  });
  const times = (f: (x: number, y: number) => number) => {
    const d = object.data as Float32Array;
    const out = new Float32Array(d.length);
    for (let y = 0; y < SIZE; y++)
      for (let x = 0; x < SIZE; x++) {
        const k = 2 * (y * SIZE + x);
        const t = f(x, y);
        out[k] = d[k] * Math.cos(t) - d[k + 1] * Math.sin(t);
        out[k + 1] = d[k] * Math.sin(t) + d[k + 1] * Math.cos(t);
      }
    return c64([SIZE, SIZE], out);
  };
  const energy = (noiseFree.amplitude as Float32Array).reduce((s, v) => s + v * v, 0) / scan.x.length;

  it('is zero for the true object, whatever its global phase or the data scale', () => {
    expect(diffractionMisfit(asStitched(object), P, scan.x, scan.y, diffraction) / energy).toBeLessThan(1e-9);
    const rotated = times(() => 0.7);
    expect(diffractionMisfit(asStitched(rotated), P, scan.x, scan.y, diffraction) / energy).toBeLessThan(1e-9);
    const scaled = f32(
      [scan.x.length, N, N],
      noiseFree.amplitude.map((v) => 3 * v),
    );
    expect(diffractionMisfit(asStitched(object), P, scan.x, scan.y, scaled) / (9 * energy)).toBeLessThan(1e-9);
  });

  it('is clearly larger for a wrong slowly varying phase', () => {
    const wrong = times((x, y) => 0.5 * Math.sin((2 * Math.PI * x) / 40) * Math.cos((2 * Math.PI * y) / 50));
    expect(diffractionMisfit(asStitched(wrong), P, scan.x, scan.y, diffraction) / energy).toBeGreaterThan(1e-4);
  });

  it('uses only positions the object covers, and is NaN when it covers none', () => {
    const empty = { ...asStitched(object), weights: new Float32Array(SIZE * SIZE) };
    expect(diffractionMisfit(empty, P, scan.x, scan.y, diffraction)).toBeNaN();
  });
});
