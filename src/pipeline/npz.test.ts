/**
 * NPZ / NPY I/O (src/pipeline/npz.ts, npy.ts, npyDecode.ts; specs/npz.md): numpy-written fixtures read back,
 * refusals naming the file, the key and the fix, files numpy reads, and header-only listing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { PtychoError } from '../errors';
import type { NdArray } from './ndarray';
import { npyHeader, writeNpy } from './npy';
import { readNpy } from './npyDecode';
import { listNpz, readArrayFile, readNpz, writeNpz } from './npz';
import { thrownPtychoError } from '../testing/thrown';

const dir = new URL('../../tests/fixtures/npz/', import.meta.url);
const load = (name: string) => new Uint8Array(readFileSync(new URL(name, dir)));
const expected = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8')) as Record<
  string,
  { shape: number[]; values?: (number | number[])[]; text?: string }
>;

function expectError(fn: () => unknown, code: string, ...parts: (string | RegExp)[]): void {
  const pe = thrownPtychoError(fn, code);
  for (const p of parts) expect(pe.message + ' ' + pe.hint).toMatch(p);
}

describe('reading numpy-written NPZ files', () => {
  for (const file of ['all_dtypes.npz', 'all_dtypes_compressed.npz']) {
    it(`${file}: every dtype decodes to the values numpy reads (f32 rounding for float64 sources)`, () => {
      const arrs = readNpz(load(file), { fileName: file });
      expect(Object.keys(arrs).sort()).toEqual(Object.keys(expected).sort());
      for (const [k, e] of Object.entries(expected)) {
        const a = arrs[k];
        expect(a.shape, k).toEqual(e.shape);
        if (e.text !== undefined) {
          expect(a.dtype).toBe('str');
          expect(a.text).toBe(e.text);
          continue;
        }
        const flat = (e.values as (number | number[])[]).flat();
        expect(a.data.length, k).toBe(flat.length);
        for (let i = 0; i < flat.length; i++) {
          const want = a.dtype === 'f32' || a.dtype === 'c64' ? Math.fround(flat[i]) : flat[i];
          expect(a.data[i], `${k}[${i}]`).toBe(want);
        }
      }
      expect(arrs.f8.dtype).toBe('f32');
      expect(arrs.f8.notes).toContain('float64 → float32');
      expect(arrs.c16.dtype).toBe('c64');
      expect(arrs.i8.dtype).toBe('i64');
      expect(arrs.b1.dtype).toBe('bool');
      expect(arrs.fortran_f4.notes).toContain('Fortran order → C order');
      expect(arrs.f8_be.notes?.join()).toMatch(/big-endian/);
      expect(JSON.parse(arrs._metadata.text!).physics_parameters.nphotons).toBe(1e9);
    });
  }

  it('a bare .npy is read under its file name', () => {
    const a = readArrayFile(load('single.npy'), { fileName: 'dir/single.npy' });
    expect(Object.keys(a)).toEqual(['single']);
    expect(a.single.shape).toEqual([3, 4]);
  });
});

describe('refusals name the file, the key and the fix', () => {
  it('object (pickle) arrays', () =>
    expectError(
      () => readNpz(load('object.npz'), { fileName: 'object.npz' }),
      'npz-unsupported',
      'object.npz',
      '"meta"',
      /pickle/,
      /json\.dumps/,
    ));
  it('structured dtypes', () =>
    expectError(
      () => readNpz(load('structured.npz'), { fileName: 's.npz' }),
      'npz-unsupported',
      '"rec"',
      /structured/,
      /each field/,
    ));
  it('int64 beyond ±2^53', () =>
    expectError(
      () => readNpz(load('int64_big.npz'), { fileName: 'b.npz' }),
      'npz-unsupported',
      '"big"',
      /9007199254740993/,
      /2\^53/,
    ));
  it('a truncated zip', () => {
    const b = load('all_dtypes_compressed.npz');
    expectError(
      () => readNpz(b.slice(0, b.length - 300), { fileName: 'cut.npz' }),
      'npz-corrupt',
      'cut.npz',
      /damaged or truncated/,
    );
  });
  it('a corrupted central directory', () => {
    const b = load('all_dtypes.npz').slice();
    const cd = b.length - 22 - 300;
    for (let i = cd; i < cd + 200; i++) b[i] ^= 0x5a;
    expect(() => readNpz(b, { fileName: 'bad.npz' })).toThrow(PtychoError);
  });
  it('header/data size mismatch', () => {
    const good = writeNpy({ dtype: 'f32', shape: [4], data: new Float32Array(4) });
    expectError(
      () => readNpy(good.slice(0, good.length - 4), 'x', { fileName: 'm.npz' }),
      'npz-corrupt',
      '"x"',
      /\(4,\).*16 bytes.*12 bytes/,
    );
  });
  it('a declared shape far beyond the file is refused before allocating (and beyond the cap → too-large)', () => {
    const hdr = npyHeader('<f8', [1e12]);
    expectError(() => readNpy(hdr, 'huge', { fileName: 'h.npz' }), 'npz-too-large', '"huge"', /above the/);
    const small = npyHeader('<f4', [1000]);
    expectError(() => readNpy(small, 'short', { fileName: 'h.npz' }), 'npz-corrupt', /4000 bytes but the data hold 0/);
  });
  it('a zip entry whose declared size exceeds the cap is refused before inflating', () => {
    const z = writeNpz({ a: { dtype: 'f32', shape: [1000], data: new Float32Array(1000) } }, { compress: true });
    expectError(() => readNpz(z, { fileName: 'cap.npz', maxBytes: 1000 }), 'npz-too-large', 'cap.npz', /a\.npy/);
  });
  it('not a zip at all', () =>
    expectError(
      () => readArrayFile(new TextEncoder().encode('hello world'), { fileName: 'x.txt' }),
      'npz-corrupt',
      'x.txt',
      /neither/,
    ));
});

describe('writing files numpy reads', () => {
  it('our .npy members are byte-identical to numpy 2.x np.savez for the same arrays', () => {
    const theirs = unzipSync(load('same_as_ours.npz'));
    const arrs: Record<string, NdArray> = {
      f32: { dtype: 'f32', shape: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i) },
      c64: {
        dtype: 'c64',
        shape: [5],
        data: Float32Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? i / 2 : i - 1)),
      },
      scalar: { dtype: 'f32', shape: [], data: new Float32Array([7.5]) },
      i32: { dtype: 'i32', shape: [3], data: new Int32Array([1, -2, 3]) },
      big: { dtype: 'f32', shape: [2, 3, 4, 5], data: new Float32Array(120) },
      meta: { dtype: 'str', shape: [], data: new Uint8Array(0), text: '{"a": 1}' },
      flags: { dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]) },
      long: { dtype: 'i64', shape: [10], data: Float64Array.from({ length: 10 }, (_, i) => 123456 + i) },
      f64: { dtype: 'f64', shape: [7], data: Float64Array.from({ length: 7 }, (_, i) => i / 8) },
    };
    for (const [k, a] of Object.entries(arrs)) {
      const ours = writeNpy(a);
      const header = ours.subarray(0, 10 + new DataView(ours.buffer).getUint16(8, true));
      expect(header.length % 64, `${k} header alignment`).toBe(0);
      expect(Array.from(ours), `${k} bytes`).toEqual(Array.from(theirs[`${k}.npy`]));
    }
    // Round trip through our reader, stored and compressed.
    for (const compress of [false, true]) {
      const back = readNpz(writeNpz(arrs, { compress }));
      for (const [k, a] of Object.entries(arrs)) {
        if (a.dtype === 'str') expect(back[k].text).toBe(a.text);
        else if (a.dtype === 'f64') expect(Array.from(back[k].data)).toEqual(Array.from(a.data, Math.fround));
        else expect(Array.from(back[k].data), k).toEqual(Array.from(a.data));
      }
    }
    // A file written by our writer for scripts/make_npz_fixtures.py to load with numpy (its check passed when committed).
    writeFileSync(new URL('ours_written.npz', dir), writeNpz(arrs));
  });

  it('zip members are STORED for savez and DEFLATE for savez_compressed', () => {
    const a = { x: { dtype: 'f32', shape: [100], data: new Float32Array(100) } as NdArray };
    const method = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint16(8, true);
    expect(method(writeNpz(a))).toBe(0);
    expect(method(writeNpz(a, { compress: true }))).toBe(8);
    expect(zipSync).toBeTypeOf('function');
  });
});

describe('listNpz (headers only)', () => {
  const listing = JSON.parse(readFileSync(new URL('listing.json', dir), 'utf8')) as Record<string, unknown[]>;
  for (const file of ['all_dtypes.npz', 'all_dtypes_compressed.npz']) {
    it(`${file}: key, on-disk dtype, shape, order and bytes equal numpy's view`, () => {
      expect(listNpz(load(file), { fileName: file })).toEqual(listing[file]);
    });
  }
  it('a DEFLATE member declaring a huge array is listed without inflating its data', () => {
    // Header says (1e12,) float32 = 4 TB; only the header is streamed out, so this returns at once.
    const head = npyHeader('<f4', [1e12]);
    const zip = zipSync({ 'huge.npy': [head, { level: 6 }] });
    const t0 = Date.now();
    expect(listNpz(zip)).toEqual([
      { key: 'huge', dtypeOnDisk: '<f4', shape: [1e12], fortranOrder: false, bytes: 4e12 },
    ]);
    expect(Date.now() - t0).toBeLessThan(500);
  });
  it('a truncated zip is refused as corrupt, naming the file', () => {
    const b = load('all_dtypes.npz');
    expectError(() => listNpz(b.subarray(0, b.length - 30), { fileName: 'cut.npz' }), 'npz-corrupt', 'cut.npz');
  });
});
