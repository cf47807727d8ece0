// The quick quality benchmark (bench/quality/run.ts QUICK) in the test command: the small preset on the lines and
// sparse-particle N 32 scans at fixed seeds, each from fresh weights, trained through the engine and scored against
// the simulation's truth. Floors that fail when the flat-amplitude collapse comes back (a collapsed run has
// amplitude r ≈ 0 or none, and fails the detector): no run collapses, every amplitude correlates (r ≥ 0.5), and at
// least half the runs reconstruct (r ≥ 0.8 of amplitude and phase), and no phase ends anti-correlated with the truth
// (the plain stitch of sparse seed 2 does, r −0.50: its groups' phase offsets drift over the scan; the group phase
// alignment of specs/reconstruction.md §2 turns it positive). The bar — every seed reconstructs — is not met
// yet on these scans (bench/README.md "Quality"), so it is not what this test claims.
import { describe, expect, it } from 'vitest';
import { benchQuality, ESCAPE_R, qualityOptions, QUICK } from './run';

describe('quick quality benchmark (small preset)', () => {
  it('no collapse on any quick family and seed; amplitudes and phases correlate; at least half reconstruct', async () => {
    const o = qualityOptions(['--quick']);
    expect(o.families.map((f) => f.name)).toEqual(QUICK.families);
    const lines: string[] = [];
    const { rows } = await benchQuality(o, (l) => lines.push(l));
    console.log(lines.join('\n'));
    expect(rows).toHaveLength(QUICK.families.length * QUICK.seeds.length);
    for (const r of rows) {
      const what = `${r.family} seed ${r.seed}`;
      expect(r.status, what).toBe('completed');
      expect(r.collapsed, what).toBe(false);
      expect(r.detectorCollapsed, what).toBe(false);
      expect(r.rAmplitude, what).toBeGreaterThanOrEqual(0.5);
      expect(r.rPhase, what).toBeGreaterThan(0);
    }
    const escaped = rows.filter((r) => r.rAmplitude >= ESCAPE_R && r.rPhase >= ESCAPE_R);
    expect(escaped.length, lines.join('\n')).toBeGreaterThanOrEqual(rows.length / 2);
  }, 1_200_000);
});
