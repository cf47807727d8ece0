/**
 * The 2-D k-d tree (src/pipeline/kdtree.ts): k-nearest-neighbour queries against brute force.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../numerics/random';
import { KdTree2, knnAll } from './kdtree';

function brute(xs: Float64Array, ys: Float64Array, x: number, y: number, k: number): number[] {
  return Array.from(xs.keys())
    .map((i) => [(xs[i] - x) ** 2 + (ys[i] - y) ** 2, i])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .slice(0, k)
    .map((a) => a[1]);
}

describe('k-d tree', () => {
  it('exact kNN equals brute force on random points, a grid with ties and duplicates', () => {
    const rng = new Rng(1);
    const sets: [Float64Array, Float64Array][] = [];
    sets.push([
      Float64Array.from({ length: 300 }, () => rng.range(0, 100)),
      Float64Array.from({ length: 300 }, () => rng.range(0, 30)),
    ]);
    const gx = new Float64Array(100),
      gy = new Float64Array(100);
    for (let i = 0; i < 100; i++) {
      gx[i] = i % 10;
      gy[i] = Math.floor(i / 10);
    }
    sets.push([gx, gy]);
    sets.push([Float64Array.from([1, 1, 1, 2, 2, 5]), Float64Array.from([1, 1, 1, 2, 2, 5])]);
    for (const [xs, ys] of sets) {
      const t = new KdTree2(xs, ys);
      for (let q = 0; q < 40; q++) {
        const x = rng.range(-5, 105),
          y = rng.range(-5, 35);
        for (const k of [1, 4, 7])
          expect(Array.from(t.knn(x, y, k))).toEqual(brute(xs, ys, x, y, Math.min(k, xs.length)));
      }
    }
  });

  it('knnAll excluding self never returns the point itself', () => {
    const xs = Float64Array.from([0, 1, 2, 3, 10]);
    const ys = new Float64Array(5);
    const nn = knnAll(xs, ys, 2, { excludeSelf: true });
    expect(Array.from(nn)).toEqual([1, 2, 0, 2, 1, 3, 2, 1, 3, 2]);
  });
});
