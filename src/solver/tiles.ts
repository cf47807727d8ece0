/**
 * Which 16×16 canvas tiles a batch of patches touches, as CSR lists (tile → batch elements): the object update is a
 * scatter of every patch onto the canvas, written as a gather per tile (src/gpu/shaders/pie.wgsl object_update).
 * A patch at canvas position (x, y) reads pixels floor(y − N/2) … floor(y − N/2) + N (bilinear: N + 1 rows and
 * columns); `margin` widens that for positions that may move before the lists are rebuilt.
 */
export const TILE = 16;

export interface TileLists {
  tilesX: number;
  tilesY: number;
  /** (tiles + 1) row pointers into `list`. */
  start: Uint32Array;
  /** Batch-element indices (0 … B − 1). */
  list: Uint32Array;
}

export function batchTiles(
  pos: Float64Array,
  batch: ArrayLike<number>,
  N: number,
  W: number,
  H: number,
  margin = 0,
): TileLists {
  const tilesX = Math.ceil(W / TILE);
  const tilesY = Math.ceil(H / TILE);
  const tiles = tilesX * tilesY;
  const range = (b: number) => {
    const p = batch[b];
    const x0 = Math.floor(pos[2 * p] - N / 2) - margin;
    const y0 = Math.floor(pos[2 * p + 1] - N / 2) - margin;
    const x1 = x0 + N + 2 * margin;
    const y1 = y0 + N + 2 * margin;
    const clampT = (v: number, n: number) => Math.min(n - 1, Math.max(0, Math.floor(v / TILE)));
    return [clampT(x0, tilesX), clampT(x1, tilesX), clampT(y0, tilesY), clampT(y1, tilesY)] as const;
  };
  const start = new Uint32Array(tiles + 1);
  for (let b = 0; b < batch.length; b++) {
    const [tx0, tx1, ty0, ty1] = range(b);
    for (let ty = ty0; ty <= ty1; ty++) for (let tx = tx0; tx <= tx1; tx++) start[ty * tilesX + tx + 1]++;
  }
  for (let t = 0; t < tiles; t++) start[t + 1] += start[t];
  const list = new Uint32Array(Math.max(1, start[tiles]));
  const fill = start.slice(0, tiles);
  for (let b = 0; b < batch.length; b++) {
    const [tx0, tx1, ty0, ty1] = range(b);
    for (let ty = ty0; ty <= ty1; ty++) for (let tx = tx0; tx <= tx1; tx++) list[fill[ty * tilesX + tx]++] = b;
  }
  return { tilesX, tilesY, start, list };
}
