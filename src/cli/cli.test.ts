import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNpz } from '../pipeline/npz';
import type { CliIO } from './io';
import { PtychoError } from '../errors';
import { main } from './main';

/** In-memory IO: files in a Map, stdout/stderr captured. Real fixtures are read from disk. */
function memIO(files: Record<string, Uint8Array> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const fs = new Map(Object.entries(files));
  const io: CliIO = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readFile(p) {
      const f = fs.get(p) ?? (p.startsWith('public/') ? new Uint8Array(readFileSync(new URL(`../../${p}`, import.meta.url))) : undefined);
      if (!f) throw new PtychoError('cli-usage', `${p}: cannot read (no such file)`, 'check the path');
      return f;
    },
    writeFile(p, d) {
      fs.set(p, typeof d === 'string' ? new TextEncoder().encode(d) : d);
    },
  };
  return { io, out, err, fs };
}

describe('ptychopinn CLI (in process)', () => {
  it('inspect --json summarises the bundled example: N, pattern count, verdict, ranges', async () => {
    const m = memIO();
    expect(await main(['inspect', 'public/fixtures/lines-n32.npz', '--json'], m.io)).toBe(0);
    const s = JSON.parse(m.out.join(''));
    expect([s.N, s.nPatterns, s.verdict, s.hasObjectGuess, s.nphotons]).toEqual([32, 256, 'amplitude', true, 1e9]);
    expect(s.coordRanges.x[0]).toBeGreaterThanOrEqual(16);
    expect(s.coordRanges.x[1]).toBeLessThan(80);
  });

  it('inspect exits 2 with the contract message on an invalid file', async () => {
    const bad = (await import('../pipeline/npz')).writeNpz({ xcoords: { dtype: 'f32', shape: [3], data: new Float32Array(3) } });
    const m = memIO({ 'bad.npz': bad });
    expect(await main(['inspect', 'bad.npz'], m.io)).toBe(2);
    expect(m.err.join('\n')).toMatch(/error: bad\.npz: required key "ycoords" is missing[\s\S]*hint:/);
  });

  it('simulate → group round trip: shapes, scales and the written keys', async () => {
    const m = memIO();
    expect(await main(['simulate', '--out', 's.npz', '--N', '16', '--n-images', '24', '--object-size', '48', '--noise', 'none', '--seed', '3', '--json'], m.io)).toBe(0);
    const sim = readNpz(m.fs.get('s.npz')!);
    expect(sim.diff3d.shape).toEqual([24, 16, 16]);
    expect(sim.xcoords.dtype).toBe('f64');
    expect(await main(['group', 's.npz', '--out', 'g.npz', '--gridsize', '2', '--K', '6', '--n-groups', '10', '--json'], m.io)).toBe(0);
    const g = readNpz(m.fs.get('g.npz')!);
    expect(g.nn_indices.shape).toEqual([10, 4]);
    expect(g.coords_relative.shape).toEqual([10, 4, 1, 2]);
    expect(g.X_full.shape).toEqual([10, 4, 16, 16]);
    let e = 0;
    for (const v of g.X_full.data as Float32Array) e += v * v;
    expect(e / 40).toBeCloseTo(64, 2); // (N/2)² per pattern after normalisation
    expect(g.physics_scaling_constant.data[0]).toBeCloseTo(Math.sqrt(1e9) / 8, 0);
  });

  it('unknown options and commands exit 2 naming the valid ones', async () => {
    const m = memIO();
    expect(await main(['simulate', '--out', 'x.npz', '--bogus', '1'], m.io)).toBe(2);
    expect(m.err.join()).toMatch(/unknown option --bogus[\s\S]*--n-images/);
    expect(await main(['frobnicate'], m.io)).toBe(2);
    expect(await main(['group', 's.npz', '--out', 'g.npz', '--K', 'seven'], m.io)).toBe(2);
    expect(m.err.join()).toMatch(/--K expects an integer/);
  });
});
