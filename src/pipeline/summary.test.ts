import { describe, expect, it } from 'vitest';
import type { NdArray } from './ndarray';
import { toRawData } from './contract';
import { formatSummary, summarize } from './summary';

const M = 3,
  N = 2;
// Counts chosen so sqrt is exact: the energy oracle is Σ counts / M in float64.
const counts = Uint16Array.from([0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121]);
const arrays: Record<string, NdArray> = {
  xcoords: { dtype: 'f64', shape: [M], data: Float64Array.from([-1.5, 7, 2]) },
  ycoords: { dtype: 'i32', shape: [M], data: Int32Array.from([4, 0, 9]) },
  diff3d: { dtype: 'u16', shape: [M, N, N], data: counts, notes: ['example note'] },
  probeGuess: { dtype: 'f32', shape: [N, N], data: new Float32Array(N * N).fill(1) },
  objectGuess: { dtype: 'c64', shape: [10, 12], data: new Float32Array(240) },
  _metadata: { dtype: 'str', shape: [], data: new Uint8Array(0), text: '{"physics_parameters": {"nphotons": 1e9}}' },
};

describe('dataset summary', () => {
  const raw = toRawData(arrays, { fileName: 'counts.npz' });
  const s = summarize(arrays, raw, 'counts.npz');

  it('reports the intensity verdict, ranges, object shape, nphotons and Σ|X|² from the float64 oracle', () => {
    expect(s.verdict).toBe('intensity (converted to amplitude)');
    expect(s.nPatterns).toBe(M);
    expect(s.N).toBe(N);
    expect(s.coordRanges).toEqual({ x: [-1.5, 7], y: [0, 9] });
    expect(s.hasObjectGuess).toBe(true);
    expect(s.objectShape).toEqual([10, 12]);
    expect(s.nphotons).toBe(1e9);
    const oracle = Array.from(counts).reduce((a, b) => a + b, 0) / M;
    expect(s.meanPatternEnergy).toBeCloseTo(oracle, 9);
    expect(s.keys.find((k) => k.key === 'diff3d')).toEqual({
      key: 'diff3d',
      dtype: 'u16',
      shape: [M, N, N],
      notes: ['example note'],
    });
    expect(s.warnings.join('|')).toMatch(/sqrt\(counts\)/);
    expect(s.warnings.join('|')).toMatch(/"probeGuess" is real; promoted/);
  });

  it('formats a readable text with keys and warnings', () => {
    const t = formatSummary(s);
    expect(t).toMatch(/^counts\.npz: 3 diffraction patterns of 2×2 \(intensity \(converted to amplitude\)\)/);
    expect(t).toMatch(/x range -1\.5 … 7 px, y range 0 … 9 px/);
    expect(t).toMatch(/objectGuess: \(10, 12\); nphotons: 1\.000e\+9/);
    expect(t).toMatch(/diff3d\s+u16\s+\(3, 2, 2\)\s+\(example note\)/);
    expect(t).toMatch(/warnings:\n {4}- /);
  });

  it('a scan without object or metadata says so', () => {
    const { objectGuess: _o, _metadata: _m, ...rest } = arrays;
    const s2 = summarize(rest, toRawData(rest), 'bare.npz');
    expect(s2.hasObjectGuess).toBe(false);
    expect(s2.objectShape).toBeUndefined();
    expect(formatSummary(s2)).toMatch(/objectGuess: none; nphotons: not recorded/);
  });

  it('never prints ±Infinity or NaN: ranges without finite positions read n/a', () => {
    const t = formatSummary({ ...s, coordRanges: { x: [NaN, NaN], y: [Infinity, -Infinity] }, meanPatternEnergy: NaN });
    expect(t).not.toMatch(/Infinity|NaN/);
    expect(t).toMatch(/x range n\/a \(no finite positions\), y range n\/a/);
  });
});
