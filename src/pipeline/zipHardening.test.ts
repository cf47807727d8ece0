/**
 * Zip and .npy hardening (src/pipeline/zip.ts, src/pipeline/npyDecode.ts; specs/npz.md). Malformed archives built
 * in the test: a valid npz from writeNpz, then patched bytes. Every one must be refused with a PtychoError (never
 * another exception, a hang or a huge allocation).
 */
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { PtychoError } from '../errors';
import type { NdArray } from './ndarray';
import { readNpy } from './npyDecode';
import { listNpz, readArrayFile, readNpz, writeNpz } from './npz';
import { crc32 } from './zip';
import { thrownPtychoError, thrownSmall } from '../testing/thrown';
import { Rng } from '../numerics/random';

const arrays: Record<string, NdArray> = {
  a: { dtype: 'f32', shape: [4, 5], data: Float32Array.from({ length: 20 }, (_, i) => i * 0.5) },
  b: { dtype: 'i32', shape: [6], data: Int32Array.from([1, -2, 3, -4, 5, -6]) },
  meta: { dtype: 'str', shape: [], data: new Uint8Array(0), text: '{"k": "v"}' },
};

interface CdEntry {
  at: number;
  name: string;
  nameAt: number;
  local: number;
}

/** The central-directory layout of a zip without comment (what writeNpz produces). */
function layout(z: Uint8Array): { dv: DataView; eocd: number; cdOff: number; cdSize: number; entries: CdEntry[] } {
  const dv = new DataView(z.buffer, z.byteOffset, z.byteLength);
  const eocd = z.length - 22;
  expect(dv.getUint32(eocd, true)).toBe(0x06054b50);
  const count = dv.getUint16(eocd + 10, true);
  const cdSize = dv.getUint32(eocd + 12, true);
  const cdOff = dv.getUint32(eocd + 16, true);
  const entries: CdEntry[] = [];
  let p = cdOff;
  for (let i = 0; i < count; i++) {
    const nlen = dv.getUint16(p + 28, true);
    entries.push({
      at: p,
      name: new TextDecoder().decode(z.subarray(p + 46, p + 46 + nlen)),
      nameAt: p + 46,
      local: dv.getUint32(p + 42, true),
    });
    p += 46 + nlen + dv.getUint16(p + 30, true) + dv.getUint16(p + 32, true);
  }
  return { dv, eocd, cdOff, cdSize, entries };
}

/** The thrown PtychoError (fails if the call returns or throws anything else). */
function refusal(fn: () => unknown): PtychoError {
  return thrownPtychoError(fn);
}

/** `refusal`, refused early: before the declared sizes are allocated (under 32 MiB of growth). */
function refusedEarly(fn: () => unknown): PtychoError {
  const { error, grew } = thrownSmall(fn);
  expect(grew).toBeLessThan(32 * 2 ** 20);
  return error;
}

describe('zip layer: declared sizes are bounded by the input', () => {
  it('a stored member claiming 4 GiB (a ~1 KB file) is refused without allocating', () => {
    const z = writeNpz(arrays).slice();
    const { dv, entries } = layout(z);
    dv.setUint32(entries[0].at + 24, 0xfffffff0, true);
    const e = refusedEarly(() => readNpz(z, { fileName: 'big.npz' }));
    expect(e.code).toBe('npz-corrupt');
    expect(e.message).toMatch(/big\.npz.*a\.npy/);
    expect(() => listNpz(z)).toThrow(PtychoError);
  });
  it('a deflated member claiming more than 1032× its compressed size is refused before inflating', () => {
    const z = writeNpz(arrays, { compress: true }).slice();
    const { dv, entries } = layout(z);
    dv.setUint32(entries[0].at + 24, 0xfffff000, true); // under the default 4 GiB cap, far over 1032×
    const e = refusedEarly(() => readNpz(z, { fileName: 'bomb.npz' }));
    expect(e.code).toBe('npz-corrupt');
    expect(e.message).toMatch(/bomb\.npz: member a\.npy claims 4294963200 bytes from \d+ compressed bytes/);
    expect(() => listNpz(z)).toThrow(/claims/);
  });
  it('a deflated member whose stream is longer or shorter than declared is refused', () => {
    for (const delta of [-1, +1, +500]) {
      const z = writeNpz(arrays, { compress: true }).slice();
      const { dv, entries } = layout(z);
      dv.setUint32(entries[0].at + 24, dv.getUint32(entries[0].at + 24, true) + delta, true);
      const e = refusal(() => readNpz(z, { fileName: 'len.npz' }));
      expect(e.message).toMatch(/a\.npy inflates to .* but declares/);
    }
  });
  it('a stored member whose size differs from its compressed size or runs past the file is refused', () => {
    const z = writeNpz(arrays).slice();
    const { dv, entries } = layout(z);
    dv.setUint32(entries[2].at + 20, z.length, true);
    dv.setUint32(entries[2].at + 24, z.length, true);
    expect(refusal(() => readNpz(z)).message).toMatch(/meta\.npy declares .* past the end/);
    const z2 = writeNpz(arrays).slice();
    const l2 = layout(z2);
    l2.dv.setUint32(l2.entries[2].at + 24, 100, true);
    expect(refusal(() => readNpz(z2)).message).toMatch(/meta\.npy is stored/);
  });
});

describe('zip layer: entry counts and the central directory', () => {
  /** Re-emit `z` with a ZIP64 end record + locator declaring `count` entries (and the real CD size/offset). */
  function withZip64(z: Uint8Array, count: bigint): Uint8Array {
    const { eocd, cdOff, cdSize } = layout(z);
    const out = new Uint8Array(z.length + 56 + 20);
    out.set(z.subarray(0, eocd));
    const dv = new DataView(out.buffer);
    const r = eocd;
    dv.setUint32(r, 0x06064b50, true);
    dv.setBigUint64(r + 4, 44n, true);
    dv.setUint16(r + 12, 45, true);
    dv.setUint16(r + 14, 45, true);
    dv.setBigUint64(r + 24, count, true);
    dv.setBigUint64(r + 32, count, true);
    dv.setBigUint64(r + 40, BigInt(cdSize), true);
    dv.setBigUint64(r + 48, BigInt(cdOff), true);
    const loc = r + 56;
    dv.setUint32(loc, 0x07064b50, true);
    dv.setBigUint64(loc + 8, BigInt(r), true);
    dv.setUint32(loc + 16, 1, true);
    out.set(z.subarray(eocd), loc + 20);
    const e = loc + 20;
    dv.setUint16(e + 8, 0xffff, true);
    dv.setUint16(e + 10, 0xffff, true);
    dv.setUint32(e + 16, 0xffffffff, true);
    return out;
  }
  it('a ZIP64 end record is honoured when it is consistent', () => {
    const z = withZip64(writeNpz(arrays), 3n);
    expect(Object.keys(readNpz(z)).sort()).toEqual(['a', 'b', 'meta']);
  });
  it('a ZIP64 end record declaring 2^32−1 entries is refused at once', () => {
    const z = withZip64(writeNpz(arrays), 0xffffffffn);
    const e = refusedEarly(() => readNpz(z, { fileName: 'count.npz' }));
    expect(e.message).toMatch(/count\.npz.*declares 4294967295 entries/);
    refusedEarly(() => listNpz(z));
  });
  it('an end record declaring more entries than the central directory can hold is refused', () => {
    const z = writeNpz(arrays).slice();
    const { dv, eocd } = layout(z);
    dv.setUint16(eocd + 8, 0xffff, true);
    dv.setUint16(eocd + 10, 0xffff, true);
    expect(refusal(() => readNpz(z)).message).toMatch(/65535 entries/);
  });
  it('a central directory outside the file is refused', () => {
    const z = writeNpz(arrays).slice();
    const { dv, eocd } = layout(z);
    dv.setUint32(eocd + 16, z.length + 1000, true);
    expect(refusal(() => readNpz(z)).message).toMatch(/central directory .* outside the file/);
    const z2 = writeNpz(arrays).slice();
    const l2 = layout(z2);
    l2.dv.setUint32(l2.eocd + 12, 0xffffff00, true);
    expect(refusal(() => listNpz(z2)).code).toBe('npz-corrupt');
  });
});

describe('zip layer: overlapping members', () => {
  it('two central-directory entries pointing at the same bytes are refused', () => {
    const z = writeNpz(arrays).slice();
    const { dv, entries } = layout(z);
    dv.setUint32(entries[1].at + 42, entries[0].local, true);
    expect(refusal(() => readNpz(z, { fileName: 'ov.npz' })).message).toMatch(/ov\.npz: zip members .* overlap/);
    expect(() => listNpz(z)).toThrow(/overlap/);
  });
  it('a member whose data run into the central directory is refused', () => {
    const z = writeNpz(arrays).slice();
    const { dv, entries, cdOff } = layout(z);
    const last = entries[2];
    const grow = cdOff - last.local + 10; // past the CD start (still inside the file)
    dv.setUint32(last.at + 20, grow, true);
    dv.setUint32(last.at + 24, grow, true);
    expect(refusal(() => readNpz(z)).message).toMatch(/meta\.npy and \(central directory\) overlap/);
  });
});

describe('zip layer: CRC-32', () => {
  it('crc32 matches known values', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
  it('a flipped data byte (stored) or a wrong stored CRC (deflated) is refused, naming the member', () => {
    const z = writeNpz(arrays).slice();
    const { entries } = layout(z);
    z[z.indexOf(0x93, entries[0].local) + 128 + 9] ^= 0x01; // inside a's float data, past its 128-byte header
    expect(refusal(() => readNpz(z, { fileName: 'crc.npz' })).message).toMatch(
      /crc\.npz: member a\.npy fails its CRC-32 check/,
    );
    // listNpz only reads headers and does not verify checksums
    expect(listNpz(z).map((x) => x.key)).toEqual(['a', 'b', 'meta']);
    const c = writeNpz(arrays, { compress: true }).slice();
    const lc = layout(c);
    lc.dv.setUint32(lc.entries[2].at + 16, lc.dv.getUint32(lc.entries[2].at + 16, true) ^ 0x80, true);
    expect(refusal(() => readNpz(c)).message).toMatch(/meta\.npy fails its CRC-32/);
    // Only the requested keys are read (and checked).
    expect(Object.keys(readNpz(c, { keys: ['a'] }))).toEqual(['a']);
  });
});

describe('zip layer: member names', () => {
  const member = (() => {
    const z = writeNpz({ x: arrays.b });
    const { dv, entries } = layout(z);
    const e = entries[0];
    const start = e.local + 30 + dv.getUint16(e.local + 26, true) + dv.getUint16(e.local + 28, true);
    return z.slice(start, start + dv.getUint32(e.at + 20, true));
  })();
  for (const name of ['../x.npy', 'a/../../x.npy', 'a\\..\\x.npy', '/etc/x.npy', 'C:/x.npy', '\\x.npy']) {
    it(`refuses the member name ${JSON.stringify(name)}`, () => {
      const z = zipSync({ [name]: member }, { level: 0 });
      const e = refusal(() => readNpz(z, { fileName: 'names.npz' }));
      expect(e.code).toBe('npz-corrupt');
      expect(e.message).toMatch(/names\.npz: member name/);
      expect(() => listNpz(z)).toThrow(PtychoError);
    });
  }
  it('refuses duplicate member names and two members mapping to one key', () => {
    const z = writeNpz({ a: arrays.b, b: arrays.b }).slice();
    const { entries } = layout(z);
    z[entries[1].nameAt] = 'a'.charCodeAt(0); // central-directory name b.npy → a.npy
    expect(refusal(() => readNpz(z, { fileName: 'dup.npz' })).message).toMatch(/dup\.npz: member a\.npy appears twice/);
    const z2 = zipSync({ 'k.npy': member, k: member }, { level: 0 });
    expect(refusal(() => readNpz(z2)).message).toMatch(/key "k" appears twice/);
    expect(() => listNpz(z2)).toThrow(/appears twice/);
  });
  it('a "__proto__" key is an ordinary entry', () => {
    const z = zipSync({ '__proto__.npy': member }, { level: 0 });
    const r = readNpz(z);
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.keys(r)).toEqual(['__proto__']);
  });
});

describe('.npy decoder refusals', () => {
  /** A v1 .npy with a hand-written header dict (any shape text) followed by `body`. */
  const npyWith = (descr: string, shape: number[] | string, body: Uint8Array, fortran = false): Uint8Array => {
    const shapeText =
      typeof shape === 'string' ? shape : shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
    const dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }\n`;
    const out = new Uint8Array(10 + dict.length + body.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(out.buffer).setUint16(8, dict.length, true);
    for (let i = 0; i < dict.length; i++) out[10 + i] = dict.charCodeAt(i);
    out.set(body, 10 + dict.length);
    return out;
  };
  it('invalid unicode code points in <U strings (beyond U+10FFFF, surrogates) → PtychoError, not RangeError', () => {
    for (const cp of [0x110000, 0xffffffff, 0xd800, 0xdfff]) {
      const body = new Uint8Array(8);
      new DataView(body.buffer).setUint32(0, 0x41, true);
      new DataView(body.buffer).setUint32(4, cp, true);
      const e = refusal(() => readNpy(npyWith('<U2', [], body), 's', { fileName: 'u.npz' }));
      expect(e.code).toBe('npz-corrupt');
      expect(e.message).toMatch(/u\.npz, key "s".*invalid code point/);
    }
    const ok = new Uint8Array(8);
    new DataView(ok.buffer).setUint32(0, 0x1f600, true);
    expect(readNpy(npyWith('<U2', [], ok), 's').text).toBe('😀');
  });
  it('negative, fractional, non-numeric or unsafe shape entries, and > 64 dimensions', () => {
    for (const shape of [
      '(-1,)',
      '(2.5,)',
      '(1e3,)',
      '(0x10,)',
      '(9007199254740993,)',
      '(3 4,)',
      `(${new Array(65).fill(1).join(', ')})`,
    ]) {
      const e = refusal(() => readNpy(npyWith('<f4', shape, new Uint8Array(4)), 'k', { fileName: 's.npz' }));
      expect(e.code, shape).toBe('npz-corrupt');
      expect(e.message).toMatch(/s\.npz, key "k"/);
    }
  });
  it('a shape product beyond the data, and a huge shape beyond the cap', () => {
    expect(refusal(() => readNpy(npyWith('<f4', [3, 3], new Uint8Array(32)), 'k')).code).toBe('npz-corrupt');
    expect(refusal(() => readNpy(npyWith('<c16', [2 ** 40, 2 ** 12], new Uint8Array(16)), 'k')).code).toBe(
      'npz-too-large',
    );
    expect(refusal(() => readNpy(npyWith('<U99999999999', [2], new Uint8Array(16)), 'k')).code).toBe('npz-too-large');
  });
  it('unknown dtype strings are unsupported', () => {
    for (const d of ['<x4', '<f3', '<i16', '<U0', '|S0', '<M8', '<m8', 'f4', '<f', '<V8', '']) {
      const e = refusal(() => readNpy(npyWith(d, [1], new Uint8Array(4)), 'k'));
      expect(e.code, d).toBe('npz-unsupported');
    }
  });
  it('Fortran order is supported (reordered to C)', () => {
    const body = new Uint8Array(Float32Array.from([1, 2, 3, 4, 5, 6]).buffer);
    const a = readNpy(npyWith('<f4', [2, 3], body, true), 'f');
    expect(Array.from(a.data)).toEqual([1, 3, 5, 2, 4, 6]);
  });
});

describe('seeded mutation fuzz', () => {
  const more: Record<string, NdArray> = {
    ...arrays,
    c: { dtype: 'c64', shape: [3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    xcoords: { dtype: 'f64', shape: [3], data: Float64Array.from([0.5, 1.5, 2.5]) },
    n: { dtype: 'i64', shape: [2], data: Float64Array.from([7, -8]) },
    flags: { dtype: 'bool', shape: [2], data: Uint8Array.from([1, 0]) },
  };
  it('300 random byte flips / truncations / splices: every read succeeds or throws a PtychoError', () => {
    const rng = new Rng(20240611);
    const rand = () => rng.uniform();
    const bases = [writeNpz(more), writeNpz(more, { compress: true })];
    const int = (n: number) => Math.floor(rand() * n);
    let refused = 0;
    let accepted = 0;
    for (let c = 0; c < 300; c++) {
      const base = bases[c % 2];
      let z = base.slice();
      const kind = int(5);
      if (kind === 0) {
        for (let k = 1 + int(8); k > 0; k--) z[int(z.length)] ^= 1 << int(8);
      } else if (kind === 1) {
        z = z.slice(0, int(z.length));
      } else if (kind === 2) {
        // Damage the central directory / end record region, where sizes, counts and offsets live.
        const { cdOff } = layout(base);
        for (let k = 1 + int(6); k > 0; k--) z[cdOff + int(z.length - cdOff)] = int(256);
      } else if (kind === 3) {
        // Overwrite a 32-bit field at a random spot with an extreme value.
        const v = [0, 0xffffffff, 0x7fffffff, 0x80000000, 0xffff, z.length][int(6)];
        const at = int(z.length - 4);
        new DataView(z.buffer).setUint32(at, v, true);
      } else {
        // Splice: repeat or drop a random run.
        const a = int(z.length);
        const b = Math.min(z.length, a + 1 + int(64));
        const out = new Uint8Array(z.length + (b - a) * (rand() < 0.5 ? 1 : -1));
        if (out.length > z.length) {
          out.set(z.subarray(0, b));
          out.set(z.subarray(a), b);
        } else {
          out.set(z.subarray(0, a));
          out.set(z.subarray(b), a);
        }
        z = out;
      }
      for (const read of [
        () => readNpz(z, { fileName: 'fuzz.npz' }),
        () => listNpz(z, { fileName: 'fuzz.npz' }),
        () => readArrayFile(z, { fileName: 'fuzz.npz' }),
      ]) {
        try {
          read();
          accepted++;
        } catch (e) {
          if (!(e instanceof PtychoError)) throw new Error(`case ${c} (kind ${kind}): ${String(e)}`);
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(300);
    expect(accepted + refused).toBe(900);
  });
});
