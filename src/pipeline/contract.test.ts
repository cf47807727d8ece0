import { describe, expect, it } from 'vitest';
import type { NdArray } from './ndarray';
import { fromRawData, toRawData } from './contract';
import { formatSummary, summarize } from './summary';
import { readNpz, writeNpz } from './npz';
import { thrownPtychoError } from '../testing/thrown';

const M = 5,
  N = 4;
function scan(over: Record<string, NdArray | undefined> = {}): Record<string, NdArray> {
  const base: Record<string, NdArray | undefined> = {
    xcoords: { dtype: 'f32', shape: [M], data: Float32Array.from({ length: M }, (_, i) => 10 + i) },
    ycoords: { dtype: 'f32', shape: [M], data: Float32Array.from({ length: M }, (_, i) => 20 + 0.5 * i) },
    diff3d: {
      dtype: 'f32',
      shape: [M, N, N],
      data: Float32Array.from({ length: M * N * N }, (_, i) => 0.1 + (i % 7) * 0.37),
    },
    probeGuess: {
      dtype: 'c64',
      shape: [N, N],
      data: Float32Array.from({ length: 2 * N * N }, (_, i) => (i % 3) * 0.5),
    },
    ...over,
  };
  return Object.fromEntries(Object.entries(base).filter(([, v]) => v)) as Record<string, NdArray>;
}

function err(arrays: Record<string, NdArray>, ...parts: (string | RegExp)[]): void {
  const pe = thrownPtychoError(() => toRawData(arrays, { fileName: 'scan.npz' }), 'contract');
  expect(pe.message).toContain('scan.npz');
  for (const p of parts) expect(`${pe.message} || ${pe.hint}`).toMatch(p);
}

describe('data contract', () => {
  it('a well-formed scan loads; amplitudes untouched, coordinates kept in float64', () => {
    const a = scan();
    const raw = toRawData(a, { fileName: 'scan.npz' });
    expect(raw.nPatterns).toBe(M);
    expect(raw.N).toBe(N);
    expect(raw.verdict).toBe('amplitude');
    expect(Array.from(raw.diffraction.data)).toEqual(Array.from(a.diff3d.data));
    expect(raw.xcoords).toBeInstanceOf(Float64Array);
    expect(Array.from(raw.xcoordsStart)).toEqual(Array.from(raw.xcoords));
    expect(raw.warnings).toEqual([]);
  });

  it('accepts "diffraction" as the key, squeezes a trailing channel, and transposes the legacy (N, N, M) layout', () => {
    const d = scan().diff3d;
    const legacy = new Float32Array(M * N * N);
    for (let m = 0; m < M; m++)
      for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) legacy[(i * N + j) * M + m] = d.data[(m * N + i) * N + j];
    const raw = toRawData(scan({ diff3d: undefined, diffraction: { dtype: 'f32', shape: [N, N, M], data: legacy } }));
    expect(Array.from(raw.diffraction.data)).toEqual(Array.from(d.data));
    expect(raw.warnings.join()).toMatch(/legacy \(N, N, M\)/);
    const sq = toRawData(scan({ diff3d: { ...d, shape: [M, N, N, 1] } }));
    expect(sq.warnings.join()).toMatch(/singleton channel squeezed/);
  });

  it('integer counts (uint16) become sqrt(counts) with a warning; non-integer floats are left alone', () => {
    const counts = new Uint16Array(M * N * N).map((_, i) => (i * 13) % 400);
    const raw = toRawData(scan({ diff3d: { dtype: 'u16', shape: [M, N, N], data: counts } }));
    expect(raw.verdict).toBe('intensity');
    expect(Array.from(raw.diffraction.data)).toEqual(Array.from(counts, (c) => Math.fround(Math.sqrt(c))));
    expect(raw.warnings.join()).toMatch(/photon counts.*sqrt/);
    const floatCounts = toRawData(
      scan({ diff3d: { dtype: 'f32', shape: [M, N, N], data: Float32Array.from(counts) } }),
    );
    expect(floatCounts.verdict).toBe('intensity');
    const smallInts = toRawData(
      scan({ diff3d: { dtype: 'f32', shape: [M, N, N], data: new Float32Array(M * N * N).fill(1) } }),
    );
    expect(smallInts.verdict).toBe('amplitude');
  });

  it('each error names the key, the shape seen and the fix', () => {
    err(scan({ xcoords: undefined }), /"xcoords" is missing/, /xcoords=np.asarray/);
    err(
      scan({ ycoords: { dtype: 'f32', shape: [M - 1], data: new Float32Array(M - 1) } }),
      /"xcoords" has 5.*"ycoords" has 4/,
    );
    err(scan({ diff3d: undefined }), /neither "diff3d" nor "diffraction"/, /diff3d=np.asarray/);
    err(
      scan({ diff3d: { dtype: 'f32', shape: [M, N, N + 1], data: new Float32Array(M * N * (N + 1)) } }),
      /non-square patterns 4×5/,
      /\(5, 4, 5\)/,
      /crop or pad/,
    );
    err(
      scan({ diff3d: { dtype: 'f32', shape: [M + 1, N, N], data: new Float32Array((M + 1) * N * N) } }),
      /6 patterns.*5 positions/,
    );
    err(
      scan({ diff3d: { dtype: 'f32', shape: [M * N * N], data: new Float32Array(M * N * N) } }),
      /shape \(80,\), expected \(M, N, N\)/,
    );
    const nan = new Float32Array(M * N * N);
    nan[17] = NaN;
    err(scan({ diff3d: { dtype: 'f32', shape: [M, N, N], data: nan } }), /NaN at flat index 17/, /nan_to_num/);
    const neg = new Float32Array(M * N * N);
    neg[3] = -0.5;
    err(
      scan({ diff3d: { dtype: 'f32', shape: [M, N, N], data: neg } }),
      /negative value -0.5 at flat index 3/,
      /np.clip/,
    );
    err(
      scan({ probeGuess: { dtype: 'c64', shape: [N + 2, N + 2], data: new Float32Array(2 * (N + 2) ** 2) } }),
      /"probeGuess" is 6×6 but the diffraction patterns are 4×4/,
      /resample/,
    );
    err(
      scan({ probeGuess: { dtype: 'c64', shape: [2, N, N], data: new Float32Array(4 * N * N) } }),
      /"probeGuess" has shape \(2, 4, 4\)/,
    );
    err(scan({ probeGuess: undefined }), /"probeGuess" is missing/);
    const inf = new Float32Array(M).fill(1);
    inf[2] = Infinity;
    err(scan({ xcoords: { dtype: 'f32', shape: [M], data: inf } }), /"xcoords" \(5,\) holds Infinity at flat index 2/);
    err(
      scan({ diffraction: { dtype: 'f32', shape: [M, N, N + 1], data: new Float32Array(M * N * (N + 1)) } }),
      /both "diff3d" \(5, 4, 4\) and "diffraction" \(5, 4, 5\)/,
      /keep only one/,
    );
    err(
      scan({ ycoords: { dtype: 'f32', shape: [M, 1], data: new Float32Array(M) } }),
      /"ycoords" has shape \(5, 1\), expected \(M,\)/,
      /np.ravel/,
    );
    err(
      scan({ objectGuess: { dtype: 'c64', shape: [2, 3, 3], data: new Float32Array(36) } }),
      /"objectGuess" has shape \(2, 3, 3\), expected \(H, W\)/,
    );
    err(
      scan({ xcoords_start: { dtype: 'f32', shape: [M - 2], data: new Float32Array(M - 2) } }),
      /"xcoords_start"\/"ycoords_start" have 3\/5 entries/,
    );
    const badProbe = new Float32Array(2 * N * N);
    badProbe[7] = NaN;
    err(
      scan({ probeGuess: { dtype: 'c64', shape: [N, N], data: badProbe } }),
      /"probeGuess" \(4, 4\) holds NaN at flat index 3/,
    );
  });

  it('scans that parse but cannot train are refused by name: all-zero patterns, < 2 positions, a zero probe', () => {
    err(
      scan({ diff3d: { dtype: 'f32', shape: [M, N, N], data: new Float32Array(M * N * N) } }),
      /"diff3d" \(5, 4, 4\) is all zeros/,
      /measured patterns/,
    );
    err(
      scan({ diff3d: undefined, diffraction: { dtype: 'u16', shape: [M, N, N], data: new Uint16Array(M * N * N) } }),
      /"diffraction" \(5, 4, 4\) is all zeros/,
    );
    const one = (v: number): NdArray => ({ dtype: 'f64', shape: [1], data: Float64Array.from([v]) });
    err(
      scan({
        xcoords: one(3),
        ycoords: one(4),
        diff3d: { dtype: 'f32', shape: [1, N, N], data: new Float32Array(N * N).fill(1) },
      }),
      /"xcoords"\/"ycoords" hold 1 scan position; at least 2/,
      /save every scan position/,
    );
    const none: NdArray = { dtype: 'f64', shape: [0], data: new Float64Array(0) };
    err(
      scan({ xcoords: none, ycoords: none, diff3d: { dtype: 'f32', shape: [0, N, N], data: new Float32Array(0) } }),
      /hold 0 scan positions/,
    );
    err(
      scan({ probeGuess: { dtype: 'c64', shape: [N, N], data: new Float32Array(2 * N * N) } }),
      /"probeGuess" \(4, 4\) is all zeros/,
      /probe estimate/,
    );
    // Some (not all) blank patterns load, with a warning naming how many.
    const partial = Float32Array.from(scan().diff3d.data as Float32Array);
    partial.fill(0, 0, 2 * N * N);
    const raw = toRawData(scan({ diff3d: { dtype: 'f32', shape: [M, N, N], data: partial } }));
    expect(raw.warnings.join('|')).toMatch(/"diff3d": 2 of 5 patterns are all zeros/);
  });

  it('scan positions off the objectGuess canvas: all off → refused naming the keys, range, shape and fix; some off → a warning', () => {
    const obj = (H: number, W: number): NdArray => ({
      dtype: 'c64',
      shape: [H, W],
      data: new Float32Array(2 * H * W).fill(1),
    });
    const f64 = (v: number[]): NdArray => ({ dtype: 'f64', shape: [v.length], data: Float64Array.from(v) });
    // The scan's own positions (x 10..14, y 20..22, N = 4) sit inside a 32×32 object: no refusal, no warning.
    expect(toRawData(scan({ objectGuess: obj(32, 32) })).warnings).toEqual([]);
    // Every patch past the bottom edge (y - N/2 ≥ H): refused, naming the key, the ranges, the shape and the fix.
    err(
      scan({ objectGuess: obj(8, 32) }),
      /every scan position lies off the objectGuess canvas: "ycoords" put all 5 4×4 probe footprints outside objectGuess \(8, 32\)/,
      /"xcoords" range \[10, 14\], "ycoords" range \[20, 22\]/,
      /y in \(-2, 10\)/,
      /not metres/,
      /top-left corner/,
    );
    // Nanometre-like positions: both keys named.
    err(
      scan({
        objectGuess: obj(64, 64),
        xcoords: f64([1000, 1500, 2000, 2500, 3000]),
        ycoords: f64([800, 900, 1000, 1100, 1200]),
      }),
      /"xcoords"\/"ycoords" put all 5/,
      /"xcoords" range \[1000, 3000\]/,
      /divide physical positions by the object pixel size/,
    );
    // Centred on 0 (pixels) on a large canvas: the hint says to add W/2 and H/2.
    err(
      scan({ objectGuess: obj(64, 80), xcoords: f64([-60, -50, 45, 50, 60]), ycoords: f64([-40, -30, -20, -10, -5]) }),
      /every scan position/,
      /centred on 0/,
      /add W\/2 = 40 to xcoords and H\/2 = 32 to ycoords/,
    );
    // Some positions off → loads, with a warning naming how many, the key and the ranges.
    const raw = toRawData(scan({ objectGuess: obj(32, 32), xcoords: f64([10, 11, 12, 13, 100]) }), {
      fileName: 'scan.npz',
    });
    expect(raw.warnings.join('|')).toMatch(
      /1 of 5 scan positions lie off the objectGuess canvas \("xcoords"; "xcoords" range \[10, 100\]/,
    );
    expect(raw.objectGuess?.shape).toEqual([32, 32]);
    // A patch that overlaps the canvas by a sliver counts as on it (x = -1.5 with N/2 = 2).
    expect(toRawData(scan({ objectGuess: obj(32, 32), xcoords: f64([-1.5, 0, 1, 2, 3]) })).warnings).toEqual([]);
    // Without objectGuess, positions are not checked (the reference trains without it).
    expect(toRawData(scan({ xcoords: f64([1e6, 2e6, 3e6, 4e6, 5e6]) })).warnings).toEqual([]);
  });

  it('optional keys: _metadata nphotons, objectGuess promoted to complex, bad Y dropped with a warning, unknown keys listed', () => {
    const raw = toRawData(
      scan({
        _metadata: {
          dtype: 'str',
          shape: [],
          data: new Uint8Array(0),
          text: JSON.stringify({ physics_parameters: { nphotons: 1e6 } }),
        },
        objectGuess: { dtype: 'f32', shape: [32, 24], data: new Float32Array(768).fill(2) },
        Y: { dtype: 'c64', shape: [M + 1, N, N], data: new Float32Array(2 * (M + 1) * N * N) },
        extra: { dtype: 'f32', shape: [1], data: new Float32Array(1) },
      }),
    );
    expect(raw.nphotons).toBe(1e6);
    expect(raw.objectGuess?.dtype).toBe('c64');
    expect(raw.objectGuess?.data[0]).toBe(2);
    expect(raw.Y).toBeUndefined();
    expect(raw.warnings.join('|')).toMatch(/"Y" \(6, 4, 4\) ignored/);
    expect(raw.warnings.join('|')).toMatch(/ignored keys: extra/);
    const other = toRawData(
      scan({
        _metadata: { dtype: 'str', shape: [], data: new Uint8Array(0), text: '{not json' },
        scan_index: { dtype: 'i64', shape: [M], data: Float64Array.from([4, 3, 2, 1, 0]) },
        Y: { dtype: 'c64', shape: [M, N, N, 1], data: new Float32Array(2 * M * N * N).fill(0.25) },
      }),
    );
    expect(other.metadata).toBeUndefined();
    expect(other.warnings.join('|')).toMatch(/"_metadata" is not valid JSON/);
    expect(Array.from(other.scanIndex)).toEqual([4, 3, 2, 1, 0]);
    expect(other.Y?.shape).toEqual([M, N, N]);
    const noIndex = toRawData(
      scan({ scan_index: { dtype: 'i32', shape: [M + 1], data: new Int32Array(M + 1).fill(7) } }),
    );
    expect(Array.from(noIndex.scanIndex)).toEqual([0, 0, 0, 0, 0]);
    expect(noIndex.warnings.join('|')).toMatch(/"scan_index" \(6,\) ignored/);
  });

  it('the file Ptychodus export_training_data writes (same keys, float64/complex128 via the reader) loads as is and round-trips', () => {
    const a = scan({
      xcoords_start: { dtype: 'f32', shape: [M], data: new Float32Array(M).fill(3) },
      ycoords_start: { dtype: 'f32', shape: [M], data: new Float32Array(M).fill(4) },
      objectGuess: { dtype: 'c64', shape: [32, 32], data: new Float32Array(2048).fill(0.5) },
      scan_index: { dtype: 'i64', shape: [M], data: new Float64Array(M) },
    });
    const raw = toRawData(readNpz(writeNpz(a), { fileName: 'train_data.npz' }), { fileName: 'train_data.npz' });
    expect(raw.warnings).toEqual([]);
    const back = toRawData(readNpz(writeNpz(fromRawData(raw))));
    expect(Array.from(back.diffraction.data)).toEqual(Array.from(raw.diffraction.data));
    expect(Array.from(back.xcoordsStart)).toEqual([3, 3, 3, 3, 3]);
    expect(Array.from(back.objectGuess!.data)).toEqual(Array.from(raw.objectGuess!.data));
  });

  it('summary: counts, ranges, energy and a readable text', () => {
    const a = scan();
    const raw = toRawData(a, { fileName: 'scan.npz' });
    const s = summarize(a, raw, 'scan.npz');
    let e = 0;
    for (const v of raw.diffraction.data as Float32Array) e += v * v;
    expect(s.meanPatternEnergy).toBeCloseTo(e / M, 10);
    expect(s.coordRanges).toEqual({ x: [10, 14], y: [20, 22] });
    expect(formatSummary(s)).toMatch(/scan.npz: 5 diffraction patterns of 4×4 \(amplitude\)/);
  });
});
