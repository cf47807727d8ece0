/**
 * Synthetic probes for simulated scans and the quality benchmark: a disk of a given radius with a hard or soft edge
 * and an optional quadratic phase (a defocus), the illuminations real scans vary (bench/quality). Float64 maths,
 * interleaved complex64 out, centred on pixel (N/2, N/2) like the reference's default probe.
 */
import { PtychoError } from '../errors';
import type { NdArray } from './ndarray';

export interface ProbeShape {
  /** Radius of the disk in pixels (where a soft edge falls to half its amplitude). */
  radius: number;
  /** Width (Gaussian σ, pixels) of the edge roll-off; 0 = a hard edge (pixels weighted by the area inside). */
  edge: number;
  /** Phase at the disk's rim in radians, quadratic in the radius (a defocus): φ(ρ) = curvature·(ρ/radius)². */
  curvature: number;
}

/** erfc(x) to 1.2e-7 (Numerical Recipes' Chebyshev fit), enough for an illumination profile. */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Fraction of the pixel centred at (dx, dy) that lies inside the disk of radius R (4 × 4 subsamples). */
function areaInside(dx: number, dy: number, R: number): number {
  let n = 0;
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++) if (Math.hypot(dx + (i - 1.5) / 4, dy + (j - 1.5) / 4) <= R) n++;
  return n / 16;
}

/** An N×N probe of the given shape, peak amplitude 1. */
export function diskProbe(N: number, shape: ProbeShape): NdArray {
  const { radius: R, edge, curvature } = shape;
  if (!(R > 0 && R < N / 2) || !(edge >= 0) || !Number.isFinite(curvature))
    throw new PtychoError(
      'config',
      `probe: radius ${R}, edge ${edge}, curvature ${curvature} do not fit a ${N}×${N} probe`,
      `use 0 < radius < ${N / 2} pixels, edge ≥ 0 and a finite curvature`,
    );
  const data = new Float32Array(2 * N * N);
  for (let y = 0; y < N; y++)
    for (let x = 0; x < N; x++) {
      const dx = x - N / 2,
        dy = y - N / 2;
      const rho = Math.hypot(dx, dy);
      const a = edge > 0 ? 0.5 * erfc((rho - R) / (Math.SQRT2 * edge)) : areaInside(dx, dy, R);
      const phi = curvature * (rho / R) ** 2;
      data[2 * (y * N + x)] = a * Math.cos(phi);
      data[2 * (y * N + x) + 1] = a * Math.sin(phi);
    }
  return { dtype: 'c64', shape: [N, N], data };
}
