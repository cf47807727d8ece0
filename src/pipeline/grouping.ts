import { PtychoError } from '../errors';
import { knnAll } from './kdtree';
import { Rng } from '../numerics/random';

/**
 * Groups of neighbouring scan points ("solution regions"), as ptycho/raw_data.py's
 * _generate_groups_efficiently (specs/data_contract.md): seed points are chosen (sequentially or by a seeded draw), and each
 * group takes C = gridsize² members drawn without replacement from the seed's K nearest *other* points.
 * With C = 1 the group is the seed itself. Oversampling (more groups than points, C > 1) enumerates distinct
 * C-subsets of the neighbour pool. Draws use our Rng, not NumPy's MT19937: same algorithm, different draw.
 */
export interface GroupingOptions {
  gridsize: number;
  K: number;
  nGroups: number;
  seed: number;
  sequential?: boolean;
  enableOversampling?: boolean;
  neighborPoolSize?: number | null;
}

export interface Groups {
  /** (B, C) row-major scan-point indices. */
  indices: Int32Array;
  B: number;
  C: number;
  warnings: string[];
}

function combinations(n: number, k: number): number {
  let r = 1;
  for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
  return Math.round(r);
}

export function generateGroups(xs: Float64Array, ys: Float64Array, o: GroupingOptions): Groups {
  const n = xs.length;
  const C = o.gridsize * o.gridsize;
  const warnings: string[] = [];
  if (!(o.gridsize >= 1) || !Number.isInteger(o.gridsize))
    throw new PtychoError('grouping', `gridsize=${o.gridsize} must be an integer ≥ 1`, 'use gridsize 1 or 2');
  if (!(o.nGroups >= 1))
    throw new PtychoError(
      'grouping',
      `n_groups=${o.nGroups} must be ≥ 1`,
      'set n_groups to the number of groups to train on',
    );
  if (n < C)
    throw new PtychoError(
      'grouping',
      `the scan has ${n} points but a group needs C = gridsize² = ${C}`,
      'use a smaller gridsize or a larger scan',
    );
  if (C > 1 && o.K < C)
    throw new PtychoError(
      'grouping',
      `K=${o.K} must be >= C=${C} (gridsize ${o.gridsize})`,
      `set neighbor_count (K) to at least ${C}; the reference default is 4 (7 in Ptychodus)`,
    );
  const rng = new Rng(o.seed);
  const oversample = o.nGroups > n && C > 1;
  if (oversample) {
    const pool = o.neighborPoolSize ?? o.K;
    if (!o.enableOversampling || pool < C) {
      throw new PtychoError(
        'grouping',
        `n_groups=${o.nGroups} exceeds the ${n} scan points; oversampling (OVERSAMPLING-001) needs enable_oversampling=true and neighbor_pool_size (or K) ≥ C=${C} (got ${pool}${o.enableOversampling ? '' : ', oversampling disabled'})`,
        `set enable_oversampling: true and neighbor_pool_size ≥ ${C}, or lower n_groups to ≤ ${n}`,
      );
    }
    return oversampleGroups(xs, ys, o.nGroups, pool, C, rng, warnings);
  }
  let nActual = o.nGroups;
  if (nActual > n) {
    warnings.push(`n_groups=${o.nGroups} exceeds the ${n} scan points; using ${n} groups`);
    nActual = n;
  }
  let seeds: Int32Array;
  if (o.sequential) seeds = Int32Array.from({ length: Math.min(nActual, n) }, (_, i) => i);
  else seeds = nActual < n ? rng.choice(n, nActual) : Int32Array.from({ length: n }, (_, i) => i);
  const B = seeds.length;
  const out = new Int32Array(B * C);
  if (C === 1) {
    out.set(seeds);
    return { indices: out, B, C, warnings };
  }
  const K = Math.min(o.K, n - 1);
  const nbrs = knnAll(xs, ys, K, { excludeSelf: true });
  for (let b = 0; b < B; b++) {
    const s = seeds[b];
    let avail = Array.from(nbrs.subarray(s * K, s * K + K));
    if (avail.length < C) avail = [s, ...avail];
    if (avail.length >= C) {
      const pick = rng.choice(avail.length, C);
      for (let c = 0; c < C; c++) out[b * C + c] = avail[pick[c]];
    } else {
      for (let c = 0; c < C; c++) out[b * C + c] = avail[rng.int(avail.length)];
    }
  }
  return { indices: out, B, C, warnings };
}

function oversampleGroups(
  xs: Float64Array,
  ys: Float64Array,
  nGroups: number,
  pool: number,
  C: number,
  rng: Rng,
  warnings: string[],
): Groups {
  const n = xs.length;
  const K = Math.min(pool, n - 1);
  const maxCombos = combinations(K, C);
  const minSeeds = Math.ceil(nGroups / maxCombos);
  const nSeeds = Math.min(2 * minSeeds, n);
  const seeds = nSeeds < n ? rng.choice(n, nSeeds) : Int32Array.from({ length: n }, (_, i) => i);
  const nbrs = knnAll(xs, ys, K, { excludeSelf: true });
  const candidates: number[][] = [];
  outer: for (const s of seeds) {
    const nb = Array.from(nbrs.subarray(s * K, s * K + K));
    // Enumerate C-subsets in lexicographic order (itertools.combinations).
    const idx = Array.from({ length: C }, (_, i) => i);
    for (;;) {
      candidates.push(idx.map((i) => nb[i]));
      if (candidates.length >= 2 * nGroups) break outer;
      let i = C - 1;
      while (i >= 0 && idx[i] === K - C + i) i--;
      if (i < 0) break;
      idx[i]++;
      for (let j = i + 1; j < C; j++) idx[j] = idx[j - 1] + 1;
    }
  }
  const out = new Int32Array(nGroups * C);
  if (candidates.length >= nGroups) {
    const pick = rng.choice(candidates.length, nGroups);
    for (let b = 0; b < nGroups; b++) out.set(candidates[pick[b]], b * C);
  } else {
    warnings.push(`only ${candidates.length} distinct groups exist; drawing ${nGroups} with replacement`);
    for (let b = 0; b < nGroups; b++) out.set(candidates[rng.int(candidates.length)], b * C);
  }
  return { indices: out, B: nGroups, C, warnings };
}

/**
 * Refuse scales that would silently poison training: normalize_scale = sqrt((N/2)² / mean Σ d²) is Infinity when
 * the grouped patterns carry no energy (all zeros), and the physics scale S = sqrt(nphotons / mean Σ X²) is then
 * NaN (or 0/Infinity for a bad nphotons). Call right after computing both (buildContainer).
 */
export function assertFiniteScales(
  normScale: number,
  physicsScale: number,
  ctx: { B: number; C: number; nphotons: number },
): void {
  const n = ctx.B * ctx.C;
  if (!Number.isFinite(normScale) || !(normScale > 0)) {
    throw new PtychoError(
      'grouping',
      `normalize_scale=${normScale}: the ${n} grouped diffraction patterns (${ctx.B} groups × C=${ctx.C}) from diff3d have zero total energy (all zeros)`,
      'the chosen groups hold only all-zero patterns: remove blank patterns from diff3d, or use more groups (n_groups) / a different seed',
    );
  }
  if (!Number.isFinite(physicsScale) || !(physicsScale > 0)) {
    throw new PtychoError(
      'grouping',
      `physics scale S=${physicsScale} is not a finite positive number (nphotons=${ctx.nphotons}, normalize_scale=${normScale}, ${n} patterns)`,
      'set nphotons to the expected counts per pattern (a finite number > 0, e.g. 1e9) and make sure the patterns are not all zero',
    );
  }
}
