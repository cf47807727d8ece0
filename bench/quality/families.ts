/**
 * The quality benchmark's scan families: simulated scans with ground truth that vary what real scans vary — the
 * object (lines, a smooth random field, a sparse high-contrast object), the probe (radius N/8 … N/3, hard or soft
 * edge, flat or curved phase), the dose (photons a pattern, Poisson noise), the overlap (dense random positions or a
 * sparse jittered raster) and N. Each family is one variation of a base scan, so a failure names its cause; a seed
 * draws the object, the positions and the noise.
 */
import type { NdArray } from '../../src/pipeline/ndarray';
import { linesObject, smoothObject, sparseObject } from '../../src/pipeline/objects';
import { diskProbe, type ProbeShape } from '../../src/pipeline/probes';
import { defaultProbe, simulateDataset } from '../../src/pipeline/simulate';

export type ObjectKind = 'lines' | 'smooth' | 'sparse';

export interface ScanFamily {
  name: string;
  /** What the family varies, in words (the table's column). */
  varies: string;
  N: 32 | 64;
  object: ObjectKind;
  /** 'default': the reference's probe (a soft disk of radius ≈ N/8, flat phase); else a disk probe. */
  probe: 'default' | ProbeShape;
  nphotons: number;
  /** Dense random positions, or a raster with this step (pixels), jittered ±30 % of a step. */
  scan: 'random' | { rasterStep: number };
}

const R8 = (N: number) => N / 8;

function base(N: 32 | 64): ScanFamily {
  return {
    name: `n${N}-lines`,
    varies: 'base: lines, default probe, 1e9 photons, dense random',
    N,
    object: 'lines',
    probe: 'default',
    nphotons: 1e9,
    scan: 'random',
  };
}

/** Every family, N 32 first. */
export function scanFamilies(): ScanFamily[] {
  const out: ScanFamily[] = [];
  for (const N of [32, 64] as const) {
    const b = base(N);
    const v = (name: string, varies: string, change: Partial<ScanFamily>): ScanFamily => ({
      ...b,
      ...change,
      name: `n${N}-${name}`,
      varies,
    });
    out.push(
      b,
      v('smooth', 'object: smooth random field (independent phase)', { object: 'smooth' }),
      v('sparse', 'object: sparse high-contrast particles', { object: 'sparse' }),
      v('probe-small-hard', `probe: radius N/8, hard edge`, { probe: { radius: R8(N), edge: 0, curvature: 0 } }),
      v('probe-large-soft', 'probe: radius N/3, soft edge', { probe: { radius: N / 3, edge: N / 32, curvature: 0 } }),
      v('probe-curved', 'probe: radius N/6, soft edge, phase curvature 3 rad', {
        probe: { radius: N / 6, edge: N / 32, curvature: 3 },
      }),
      v('dose-1e6', 'dose: 1e6 photons, Poisson', { nphotons: 1e6 }),
      v('dose-1e4', 'dose: 1e4 photons, Poisson', { nphotons: 1e4 }),
      // The default probe's disk has a radius of about N/6 (88 px at N 32): a step of 1.2 radii overlaps ~40 %.
      v('raster-sparse', 'overlap: sparse raster (step 1.2 × probe radius)', {
        scan: { rasterStep: Math.round(0.2 * N) },
      }),
    );
  }
  return out;
}

function objectOf(kind: ObjectKind, size: number, seed: number): NdArray {
  if (kind === 'lines') return linesObject(size, { seed });
  if (kind === 'smooth') return smoothObject(size, { seed, correlation: size / 24 });
  return sparseObject(size, { seed });
}

/** The scan of a family for a seed, in the raw NPZ contract (objectGuess = the truth). */
export function simulateFamily(f: ScanFamily, seed: number): Record<string, NdArray> {
  const size = 3 * f.N;
  const nImages = f.N === 32 ? 256 : 512;
  return simulateDataset({
    object: objectOf(f.object, size, 1000 + seed),
    probe: f.probe === 'default' ? defaultProbe(f.N) : diskProbe(f.N, f.probe),
    positions: f.scan === 'random' ? 'random' : 'grid',
    gridStep: f.scan === 'random' ? undefined : f.scan.rasterStep,
    nImages,
    nphotons: f.nphotons,
    noise: 'poisson',
    seed: 2000 + seed,
  });
}
