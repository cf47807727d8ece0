/**
 * Mutation primitives of the reader fuzzer (src/testing/fuzz/harness.ts): a seeded PRNG, little-endian byte builders,
 * edge values for size fields, random byte flips and truncations.
 */
import { Rng } from '../../numerics/random';

/** The app's seeded PRNG (src/numerics/random.ts) with the draws a mutation needs. */
export class FuzzRng {
  private readonly r: Rng;
  constructor(seed: number) {
    this.r = new Rng(seed);
  }
  next(): number {
    return this.r.uniform();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatAll(parts);
}
export function concatAll(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function u16(v: number): Uint8Array {
  return Uint8Array.from([v & 0xff, (v >>> 8) & 0xff]);
}
export function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}
export function u64(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
}

/** Interesting 32-bit values for size and count fields. */
export const EDGE32 = [
  0,
  1,
  2,
  0x7f,
  0xff,
  0x100,
  0xffff,
  0x10000,
  0x7fffffff,
  0x80000000,
  0xfffffffe,
  0xffffffff,
  1 << 20,
  1 << 30,
];

export function byteFlips(src: Uint8Array, r: FuzzRng): Uint8Array {
  const b = src.slice();
  const k = 1 + r.int(8);
  for (let i = 0; i < k; i++) {
    const at = r.int(b.length);
    const how = r.int(3);
    if (how === 0) b[at] ^= 1 << r.int(8);
    else if (how === 1) b[at] = r.int(256);
    else b[at] = r.pick([0, 0xff, 0x7f, 0x80]);
  }
  return b;
}

export function truncate(src: Uint8Array, r: FuzzRng): Uint8Array {
  // Mostly near the ends (headers, central directory), sometimes anywhere.
  const n = src.length;
  const at = r.chance(0.5) ? r.int(n) : r.chance(0.5) ? r.int(Math.min(n, 64)) : n - 1 - r.int(Math.min(n, 128));
  return src.slice(0, Math.max(0, at));
}
