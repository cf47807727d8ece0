/**
 * Grouping (src/pipeline/grouping.ts) against the reference's ptycho/raw_data.py on the golden grouping fixture:
 * neighbour groups, seeded draws and the refusals.
 */
import { describe, expect, it } from 'vitest';
import { PtychoError } from '../errors';
import { golden } from '../testing/fixtures';
import { knnAll } from './kdtree';
import { assertFiniteScales, generateGroups } from './grouping';
import { buildContainer, normalizationScale, physicsScale, relativeCoords } from './container';
import type { RawData } from './rawData';
import { thrownPtychoError } from '../testing/thrown';

const g = golden('grouping');
const xs = Float64Array.from(g('xcoords').data as Float32Array);
const ys = Float64Array.from(g('ycoords').data as Float32Array);

function raw(): RawData {
  const d = g('diff3d');
  return {
    source: 'golden',
    nPatterns: 64,
    N: 16,
    xcoords: xs,
    ycoords: ys,
    xcoordsStart: xs,
    ycoordsStart: ys,
    diffraction: { dtype: 'f32', shape: d.shape, data: d.data as Float32Array },
    probeGuess: { dtype: 'c64', shape: [16, 16], data: new Float32Array(512) },
    scanIndex: new Int32Array(64),
    verdict: 'amplitude',
    warnings: [],
  };
}

function err(fn: () => unknown, re: RegExp) {
  expect(thrownPtychoError(fn).message).toMatch(re);
}

describe('grouping vs the reference ptycho/raw_data.py (golden grouping.npz)', () => {
  it('K=7 nearest other points equal cKDTree.query(k=8)[:, 1:] row by row, in order', () => {
    expect(Array.from(knnAll(xs, ys, 7, { excludeSelf: true }))).toEqual(
      Array.from(g('knn_excl_self_k7').data as Int32Array),
    );
  });

  it("sequential groups: one per point in order, members drawn from the seed's K=7 neighbours, distinct", () => {
    const r = generateGroups(xs, ys, { gridsize: 2, K: 7, nGroups: 64, seed: 0, sequential: true });
    const knn = g('knn_excl_self_k7').data as Int32Array;
    expect(r.B).toBe(64);
    for (let b = 0; b < 64; b++) {
      const row = Array.from(r.indices.subarray(4 * b, 4 * b + 4));
      expect(new Set(row).size).toBe(4);
      for (const m of row) expect(Array.from(knn.subarray(7 * b, 7 * b + 7))).toContain(m);
    }
    // The reference's own sequential rows satisfy the same membership (a check of the oracle itself).
    const ref = g('groups_sequential_k7_c4').data as Int32Array;
    for (let b = 0; b < 64; b++)
      for (const m of ref.subarray(4 * b, 4 * b + 4)) expect(Array.from(knn.subarray(7 * b, 7 * b + 7))).toContain(m);
  });

  it('given groups → coords_offsets and coords_relative (centroid − position) equal the reference, torch layout', () => {
    const groups = g('given_groups').data as Int32Array;
    const { offsets, relative } = relativeCoords(xs, ys, groups, 4);
    const refOff = g('given/coords_offsets').data as Float32Array; // (4, 1, 2, 1)
    const refRel = g('given/coords_relative_torch_cf').data as Float32Array; // (4, 4, 1, 2)
    offsets.forEach((v, i) => expect(Math.abs(v - refOff[i])).toBeLessThan(1e-5));
    relative.forEach((v, i) => expect(Math.abs(v - refRel[i])).toBeLessThan(1e-5));
  });

  it('unit: coords [[1,3,5,7],[2,0,-2,4]] → centroid [4, 1], relative [[3,1,-1,-3],[-1,1,3,-3]]', () => {
    const { offsets, relative } = relativeCoords(
      Float64Array.from([1, 3, 5, 7]),
      Float64Array.from([2, 0, -2, 4]),
      Int32Array.from([0, 1, 2, 3]),
      4,
    );
    expect(Array.from(offsets)).toEqual([4, 1]);
    expect(Array.from(relative)).toEqual([3, -1, 1, 1, -1, 3, -3, -3]);
  });

  it('normalisation scale equals the reference bit for bit, and X_full within float32 round-off', () => {
    const c = buildContainer(raw(), g('grouped_seq8/nn_indices').data as Int32Array, 4, { nphotons: 1e9 });
    expect(c.normScale).toBe((g('grouped_seq8/normalize_scale').data as Float32Array)[0]);
    const ref = g('grouped_seq8/X_full').data as Float32Array; // (8, 16, 16, 4) channels-last
    for (let b = 0; b < 8; b++)
      for (let ch = 0; ch < 4; ch++)
        for (let p = 0; p < 256; p++) expect(c.X[(b * 4 + ch) * 256 + p]).toBe(ref[(b * 256 + p) * 4 + ch]);
    const st = g('normalize/diffraction'); // (5, 16, 16, 4) channels-last stack
    expect(normalizationScale(st.data as Float32Array, 20, 16)).toBe((g('normalize/scale').data as Float32Array)[0]);
    // Normalised data: mean per-pattern energy = (N/2)².
    let e = 0;
    for (const v of c.X) e += v * v;
    expect(e / 32).toBeCloseTo(64, 3);
  });

  it('physics scale: the reference unit tests (2.0, 2.828427, 73.01886)', () => {
    const l = golden('loss');
    const x = l('unit/derive_scale_test_physics_scale_x').data as Float32Array; // (2,2,2,2) channels-last: per-pattern sums over h,w
    // 4 patterns of 2×2 (B=2, C=2): physicsScale takes patterns as any layout with the same per-pattern sums.
    const cl = new Float32Array(16);
    for (let b = 0; b < 2; b++)
      for (let h = 0; h < 2; h++)
        for (let w = 0; w < 2; w++)
          for (let c = 0; c < 2; c++) cl[((b * 2 + c) * 2 + h) * 2 + w] = x[((b * 2 + h) * 2 + w) * 2 + c];
    expect(physicsScale(cl, 4, 12)).toBeCloseTo((l('unit/derive_scale_test_physics_scale').data as Float32Array)[0], 6);
    expect(physicsScale(new Float32Array(16).fill(1), 4, 32)).toBeCloseTo(
      (l('unit/derive_scale_container_ones_2222_nph32').data as Float32Array)[0],
      5,
    );
    // (2, 4, 2) input: the reference sums over every axis but the first (2 patterns of 8 values).
    const lin = Float32Array.from({ length: 16 }, (_, i) => 1 + i / 15);
    expect(physicsScale(lin, 2, 1e5)).toBeCloseTo(
      (l('unit/derive_scale_linspace_2x4x2_nph1e5').data as Float32Array)[0],
      3,
    );
  });

  it('repo tests: 20×20 grid → (100, 4) groups near their centroid; K<C and n_points<C raise; caps; seeds', () => {
    const gx = new Float64Array(400),
      gy = new Float64Array(400);
    for (let i = 0; i < 400; i++) {
      gx[i] = i % 20;
      gy[i] = Math.floor(i / 20);
    }
    const r = generateGroups(gx, gy, { gridsize: 2, K: 7, nGroups: 100, seed: 1 });
    expect([r.B, r.C]).toEqual([100, 4]);
    const { relative } = relativeCoords(gx, gy, r.indices, 4);
    for (let i = 0; i < relative.length / 2; i++)
      expect(Math.hypot(relative[2 * i], relative[2 * i + 1])).toBeLessThanOrEqual(2 * Math.sqrt(7));
    err(() => generateGroups(gx, gy, { gridsize: 3, K: 3, nGroups: 10, seed: 1 }), /K=3 must be >= C=9/);
    err(
      () =>
        generateGroups(Float64Array.from([0, 1]), Float64Array.from([0, 1]), {
          gridsize: 2,
          K: 4,
          nGroups: 1,
          seed: 1,
        }),
      /2 points but a group needs C = gridsize² = 4/,
    );
    const capped = generateGroups(gx.subarray(0, 10), gy.subarray(0, 10), { gridsize: 1, K: 4, nGroups: 50, seed: 1 });
    expect(capped.B).toBe(10);
    expect(capped.warnings.join()).toMatch(/exceeds the 10 scan points/);
    const a = generateGroups(gx, gy, { gridsize: 2, K: 7, nGroups: 30, seed: 5 });
    const b = generateGroups(gx, gy, { gridsize: 2, K: 7, nGroups: 30, seed: 5 });
    const c = generateGroups(gx, gy, { gridsize: 2, K: 7, nGroups: 30, seed: 6 });
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    expect(Array.from(a.indices)).not.toEqual(Array.from(c.indices));
    const five = generateGroups(Float64Array.from([0, 1, 2, 3, 4]), new Float64Array(5), {
      gridsize: 1,
      K: 4,
      nGroups: 3,
      seed: 1,
    });
    expect([five.B, five.C]).toEqual([3, 1]);
  });

  it('oversampling: refused without enable_oversampling (OVERSAMPLING-001); with it, distinct groups beyond n_points', () => {
    const gx = Float64Array.from({ length: 16 }, (_, i) => i % 4),
      gy = Float64Array.from({ length: 16 }, (_, i) => Math.floor(i / 4));
    err(() => generateGroups(gx, gy, { gridsize: 2, K: 6, nGroups: 40, seed: 1 }), /OVERSAMPLING-001/);
    err(
      () =>
        generateGroups(gx, gy, {
          gridsize: 2,
          K: 6,
          nGroups: 40,
          seed: 1,
          enableOversampling: true,
          neighborPoolSize: 3,
        }),
      /neighbor_pool_size.*≥ C=4/,
    );
    const r = generateGroups(gx, gy, { gridsize: 2, K: 6, nGroups: 40, seed: 1, enableOversampling: true });
    expect(r.B).toBe(40);
    const keys = new Set<string>();
    for (let b = 0; b < 40; b++)
      keys.add(
        Array.from(r.indices.subarray(4 * b, 4 * b + 4))
          .sort()
          .join(),
      );
    expect(keys.size).toBe(40);
  });

  it('non-finite scales are refused by name (all-zero groups → normalize_scale Infinity, physics S NaN)', () => {
    const N = 4;
    const zeros = new Float32Array(3 * N * N);
    const ns = normalizationScale(zeros, 3, N);
    expect(ns).toBe(Infinity);
    const pe = (f: () => void): PtychoError => {
      try {
        f();
      } catch (e) {
        return e as PtychoError;
      }
      throw new Error('expected a PtychoError');
    };
    const a = pe(() => assertFiniteScales(ns, physicsScale(zeros, 3, 1e9), { B: 3, C: 1, nphotons: 1e9 }));
    expect(a).toBeInstanceOf(PtychoError);
    expect(a.code).toBe('grouping');
    expect(a.message).toMatch(/normalize_scale=Infinity.*3 grouped diffraction patterns.*diff3d.*all zeros/);
    expect(a.hint).toMatch(/remove blank patterns/);
    const b = pe(() => assertFiniteScales(2, NaN, { B: 2, C: 4, nphotons: NaN }));
    expect(b.message).toMatch(/physics scale S=NaN.*nphotons=NaN/);
    expect(b.hint).toMatch(/nphotons/);
    expect(() => assertFiniteScales(2, 3, { B: 1, C: 1, nphotons: 1e9 })).not.toThrow();
  });
});
