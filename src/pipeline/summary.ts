import type { NdArray } from './ndarray';
import { shapeStr } from './ndarray';
import type { RawData } from './rawData';

/** What `inspect` and the dataset panel show about a loaded scan. */
export interface DatasetSummary {
  fileName: string;
  keys: { key: string; dtype: string; shape: number[]; notes?: string[] }[];
  N: number;
  nPatterns: number;
  verdict: 'amplitude' | 'intensity (converted to amplitude)';
  coordRanges: { x: [number, number]; y: [number, number] };
  hasObjectGuess: boolean;
  objectShape?: number[];
  nphotons?: number;
  /** Mean over patterns of Σ|X|² (after the amplitude conversion). */
  meanPatternEnergy: number;
  warnings: string[];
}

/** [min, max] of the finite values; [NaN, NaN] when there are none (never ±Infinity). */
function range(a: Float64Array): [number, number] {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of a) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return lo <= hi ? [lo, hi] : [NaN, NaN];
}

export function summarize(arrays: Record<string, NdArray>, raw: RawData, fileName: string): DatasetSummary {
  const d = raw.diffraction.data as Float32Array;
  let e = 0;
  for (let i = 0; i < d.length; i++) e += d[i] * d[i];
  return {
    fileName,
    keys: Object.entries(arrays).map(([key, a]) => ({
      key,
      dtype: a.dtype,
      shape: a.shape,
      ...(a.notes?.length ? { notes: a.notes } : {}),
    })),
    N: raw.N,
    nPatterns: raw.nPatterns,
    verdict: raw.verdict === 'intensity' ? 'intensity (converted to amplitude)' : 'amplitude',
    coordRanges: { x: range(raw.xcoords), y: range(raw.ycoords) },
    hasObjectGuess: !!raw.objectGuess,
    ...(raw.objectGuess ? { objectShape: raw.objectGuess.shape } : {}),
    ...(raw.nphotons !== undefined ? { nphotons: raw.nphotons } : {}),
    meanPatternEnergy: raw.nPatterns > 0 ? e / raw.nPatterns : 0,
    warnings: raw.warnings,
  };
}

export function formatSummary(s: DatasetSummary): string {
  const f = (v: number) =>
    !Number.isFinite(v)
      ? 'n/a'
      : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0)
        ? v.toExponential(3)
        : String(Math.round(v * 1000) / 1000);
  const r = (x: [number, number]) =>
    Number.isFinite(x[0]) && Number.isFinite(x[1]) ? `${f(x[0])} … ${f(x[1])} px` : 'n/a (no finite positions)';
  const lines = [
    `${s.fileName}: ${s.nPatterns} diffraction patterns of ${s.N}×${s.N} (${s.verdict})`,
    `  x range ${r(s.coordRanges.x)}, y range ${r(s.coordRanges.y)}`,
    `  objectGuess: ${s.hasObjectGuess ? shapeStr(s.objectShape!) : 'none'}; nphotons: ${s.nphotons !== undefined ? f(s.nphotons) : 'not recorded'}; mean Σ|X|² per pattern: ${f(s.meanPatternEnergy)}`,
    '  keys:',
    ...s.keys.map(
      (k) =>
        `    ${k.key.padEnd(16)} ${k.dtype.padEnd(5)} ${shapeStr(k.shape)}${k.notes ? `  (${k.notes.join('; ')})` : ''}`,
    ),
  ];
  if (s.warnings.length) lines.push('  warnings:', ...s.warnings.map((w) => `    - ${w}`));
  return lines.join('\n');
}
