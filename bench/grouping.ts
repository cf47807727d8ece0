// Grouping benchmark (`bench --grouping`, bench/README.md): kNN + grouping of 10⁵ random scan positions, timed.
import { Rng } from '../src/numerics/random';
import { generateGroups } from '../src/pipeline/grouping';

/** kNN + grouping of 10⁵ random scan positions (K = 7, C = 4, n_groups = 10⁵): milliseconds. */
export async function benchGrouping(n = 100_000): Promise<Record<string, number>> {
  const rng = new Rng(1);
  const xs = Float64Array.from({ length: n }, () => rng.range(0, 2000));
  const ys = Float64Array.from({ length: n }, () => rng.range(0, 2000));
  const t0 = performance.now();
  generateGroups(xs, ys, { gridsize: 2, K: 7, nGroups: n, seed: 1 });
  const t1 = performance.now();
  generateGroups(xs, ys, { gridsize: 1, K: 7, nGroups: n, seed: 1 });
  const t2 = performance.now();
  return { points: n, group_gs2_k7_ms: t1 - t0, group_gs1_ms: t2 - t1 };
}

// Standalone: `npx tsx bench/grouping.ts` prints the timings as JSON (bench/main.ts imports the function instead).
if (import.meta.url === `file://${process.argv[1]}`) {
  benchGrouping().then((r) => console.log(JSON.stringify(r)));
}
