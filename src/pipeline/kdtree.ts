/**
 * A 2-D k-d tree for exact k-nearest-neighbour queries over scan positions (the reference uses scipy's
 * cKDTree). Ties in distance are broken by the lower point index, so results are deterministic.
 */
export class KdTree2 {
  private readonly idx: Int32Array;
  private readonly split: Uint8Array; // per node: 0 = x, 1 = y
  private readonly n: number;

  constructor(
    readonly xs: Float64Array,
    readonly ys: Float64Array,
  ) {
    this.n = xs.length;
    this.idx = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) this.idx[i] = i;
    this.split = new Uint8Array(this.n);
    this.build(0, this.n, 0);
  }

  // Implicit balanced tree over idx[lo, hi): node = median position; children = the halves.
  private build(lo: number, hi: number, depth: number): void {
    if (hi - lo <= 1) return;
    const mid = (lo + hi) >>> 1;
    // Split on the wider extent (better than alternating for strip-shaped scans).
    let minX = Infinity,
      maxX = -Infinity,
      minY = Infinity,
      maxY = -Infinity;
    for (let i = lo; i < hi; i++) {
      const p = this.idx[i];
      minX = Math.min(minX, this.xs[p]);
      maxX = Math.max(maxX, this.xs[p]);
      minY = Math.min(minY, this.ys[p]);
      maxY = Math.max(maxY, this.ys[p]);
    }
    const axis = maxY - minY > maxX - minX ? 1 : 0;
    this.split[mid] = axis;
    this.select(lo, hi, mid, axis === 0 ? this.xs : this.ys);
    this.build(lo, mid, depth + 1);
    this.build(mid + 1, hi, depth + 1);
  }

  // Quickselect: idx[k] gets the element of rank k by coordinate c (ties by index).
  private select(lo: number, hi: number, k: number, c: Float64Array): void {
    const idx = this.idx;
    const less = (a: number, b: number) => c[a] < c[b] || (c[a] === c[b] && a < b);
    let l = lo,
      r = hi - 1;
    while (r > l) {
      const pivot = idx[(l + r) >>> 1];
      let i = l,
        j = r;
      while (i <= j) {
        while (less(idx[i], pivot)) i++;
        while (less(pivot, idx[j])) j--;
        if (i <= j) {
          const t = idx[i];
          idx[i] = idx[j];
          idx[j] = t;
          i++;
          j--;
        }
      }
      if (k <= j) r = j;
      else if (k >= i) l = i;
      else break;
    }
  }

  /** The k nearest points to (x, y), nearest first (ties: lower index first). */
  knn(x: number, y: number, k: number): Int32Array {
    k = Math.min(k, this.n);
    const bestI = new Int32Array(k).fill(-1);
    const bestD = new Float64Array(k).fill(Infinity);
    let count = 0;
    const better = (d: number, i: number, j: number) => d < bestD[j] || (d === bestD[j] && i < bestI[j]);
    const consider = (p: number) => {
      const dx = this.xs[p] - x,
        dy = this.ys[p] - y;
      const d = dx * dx + dy * dy;
      if (count === k && !better(d, p, k - 1)) return;
      let j = count < k ? count++ : k - 1;
      while (j > 0 && better(d, p, j - 1)) {
        bestD[j] = bestD[j - 1];
        bestI[j] = bestI[j - 1];
        j--;
      }
      bestD[j] = d;
      bestI[j] = p;
    };
    const visit = (lo: number, hi: number) => {
      if (hi <= lo) return;
      const mid = (lo + hi) >>> 1;
      const p = this.idx[mid];
      consider(p);
      if (hi - lo === 1) return;
      const axis = this.split[mid];
      const diff = axis === 0 ? x - this.xs[p] : y - this.ys[p];
      const [first, second] =
        diff < 0
          ? [
              [lo, mid],
              [mid + 1, hi],
            ]
          : [
              [mid + 1, hi],
              [lo, mid],
            ];
      visit(first[0], first[1]);
      if (count < k || diff * diff <= bestD[k - 1]) visit(second[0], second[1]);
    };
    visit(0, this.n);
    return bestI.subarray(0, count);
  }
}

/** (n, k) row-major k-nearest indices of every point; with excludeSelf, the point itself is left out. */
export function knnAll(
  xs: Float64Array,
  ys: Float64Array,
  k: number,
  opts: { excludeSelf?: boolean } = {},
): Int32Array {
  const n = xs.length;
  const tree = new KdTree2(xs, ys);
  const ex = !!opts.excludeSelf;
  const kk = Math.min(k, ex ? n - 1 : n);
  const out = new Int32Array(n * kk);
  for (let i = 0; i < n; i++) {
    const nb = tree.knn(xs[i], ys[i], kk + (ex ? 1 : 0));
    let w = 0;
    let skipped = false;
    for (let j = 0; j < nb.length && w < kk; j++) {
      if (ex && !skipped && nb[j] === i) {
        skipped = true;
        continue;
      }
      out[i * kk + w++] = nb[j];
    }
  }
  return out;
}
