/**
 * Bilinear interpolation's four taps: a sample at (y0 + fy, x0 + fx), 0 ≤ fy, fx < 1, reads or spreads to pixels
 * (y0 + dy, x0 + dx) with weight (1 − fy | fy)·(1 − fx | fx). Shared by the CPU patch extraction
 * (src/pipeline/container.ts) and the float64 stitching reference (src/gpu/ops/stitch.ref.ts).
 */
export function bilinearTaps(fy: number, fx: number): readonly (readonly [dy: number, dx: number, w: number])[] {
  return [
    [0, 0, (1 - fy) * (1 - fx)],
    [0, 1, (1 - fy) * fx],
    [1, 0, fy * (1 - fx)],
    [1, 1, fy * fx],
  ];
}
