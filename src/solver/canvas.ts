/**
 * The solver's object canvas on the object-pixel grid (src/solver/solver.ts): a start image resampled onto it, and
 * the illumination (where the scan lit the object) that the metrics' region and the weights export use.
 */

/** A complex image on the object-pixel grid: canvas pixel (0, 0) is object pixel `origin` [x, y]. */
export interface ObjectImage {
  object: Float32Array;
  width: number;
  height: number;
  origin: [number, number];
  /** Where the image is defined (> 0); pixels without weight are filled with the mean of those with. */
  weights?: Float32Array;
}

/** Copy `init` onto a (H, W) canvas at `origin` (interleaved complex `obj`); undefined pixels get its mean value. */
export function resampleOnto(
  init: ObjectImage,
  obj: Float32Array,
  W: number,
  H: number,
  origin: [number, number],
): void {
  let sr = 0,
    si = 0,
    c = 0;
  const defined = (k: number) => !init.weights || init.weights[k] > 0;
  for (let k = 0; k < init.width * init.height; k++)
    if (defined(k)) {
      sr += init.object[2 * k];
      si += init.object[2 * k + 1];
      c++;
    }
  const fill = c ? [sr / c, si / c] : [1, 0];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const ix = x + origin[0] - init.origin[0],
        iy = y + origin[1] - init.origin[1];
      const k = iy * init.width + ix;
      const inside = ix >= 0 && iy >= 0 && ix < init.width && iy < init.height && defined(k);
      obj[2 * (y * W + x)] = inside ? init.object[2 * k] : fill[0];
      obj[2 * (y * W + x) + 1] = inside ? init.object[2 * k + 1] : fill[1];
    }
}

/** Σ_p |P|² splatted bilinearly at each canvas position: where the scan lit the object. */
export function illumination(
  probe: Float32Array,
  pos: ArrayLike<number>,
  N: number,
  W: number,
  H: number,
): Float32Array {
  const out = new Float64Array(W * H);
  const n = pos.length / 2;
  for (let p = 0; p < n; p++) {
    const sy = pos[2 * p + 1] - N / 2,
      sx = pos[2 * p] - N / 2;
    const by = Math.floor(sy),
      bx = Math.floor(sx);
    const fy = sy - by,
      fx = sx - bx;
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        const q = probe[2 * (i * N + j)] ** 2 + probe[2 * (i * N + j) + 1] ** 2;
        for (const [dy, dx, w] of [
          [0, 0, (1 - fy) * (1 - fx)],
          [0, 1, (1 - fy) * fx],
          [1, 0, fy * (1 - fx)],
          [1, 1, fy * fx],
        ]) {
          const y = by + i + dy,
            x = bx + j + dx;
          if (y >= 0 && x >= 0 && y < H && x < W) out[y * W + x] += w * q;
        }
      }
  }
  return Float32Array.from(out);
}
