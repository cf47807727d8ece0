/**
 * Pickle mutations for the reader fuzzer: opcodes outside the reader's subset, lying length prefixes, memo abuse,
 * deep nesting, memo bombs and cycles, and byte flips (the subset is described in specs/model_archive.md).
 */
import { strToU8 } from 'fflate';
import { byteFlips, concat, concatAll, u32, u64, type FuzzRng } from './mutate';

/** Start offsets of the opcodes of a (possibly damaged) pickle, as far as it can be walked. */
export function opcodeOffsets(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  let p = 0;
  while (p < b.length && out.length < 100000) {
    out.push(p);
    const op = b[p++];
    if (op === 0x2e) break;
    const fixed: Record<number, number> = {
      0x80: 1,
      0x95: 8,
      0x4a: 4,
      0x4b: 1,
      0x4d: 2,
      0x47: 8,
      0x71: 1,
      0x72: 4,
      0x68: 1,
      0x6a: 4,
    };
    if (fixed[op] !== undefined) p += fixed[op];
    else if (op === 0x8a || op === 0x8c || op === 0x43) p += 1 + (b[p] ?? 0);
    else if (op === 0x58 || op === 0x42) p += p + 4 <= b.length ? 4 + dv.getUint32(p, true) : 4;
    else if (op === 0x8d) p += p + 8 <= b.length ? 8 + Number(dv.getBigUint64(p, true)) : 8;
    else if (op === 0x63) {
      for (let n = 0; n < 2 && p < b.length; n++) {
        while (p < b.length && b[p] !== 0x0a) p++;
        p++;
      }
    }
  }
  return out;
}

/** Opcodes outside the reader's subset (INST, OBJ, INT, STRING, EXT*, GET/PUT, POP, DUP, BYTEARRAY8, …). */
const FOREIGN_OPS = [
  0x00, 0x30, 0x31, 0x32, 0x46, 0x49, 0x4c, 0x50, 0x53, 0x54, 0x55, 0x56, 0x67, 0x69, 0x6f, 0x70, 0x82, 0x83, 0x84,
  0x8b, 0x8e, 0x91, 0x92, 0x96, 0x97, 0x98, 0xff,
];
const SUBSET_OPS = [
  0x28, 0x29, 0x2e, 0x4e, 0x5d, 0x61, 0x62, 0x65, 0x68, 0x6a, 0x71, 0x72, 0x73, 0x74, 0x75, 0x7d, 0x85, 0x86, 0x87,
  0x88, 0x89, 0x8c, 0x8f, 0x90, 0x93, 0x94, 0x51, 0x52, 0x81, 0x64, 0x6c,
];

export const su = (s: string): Uint8Array => concat(Uint8Array.from([0x8c, s.length]), strToU8(s));

/** A nested structure `depth` deep: lists by APPEND, tuples by MARK…TUPLE, or dicts by SETITEM. */
function nesting(depth: number, kind: number): Uint8Array {
  if (kind === 0) return concat(new Uint8Array(depth).fill(0x5d), new Uint8Array(depth - 1).fill(0x61));
  if (kind === 1) return concat(new Uint8Array(depth).fill(0x28), new Uint8Array(depth).fill(0x74));
  const open: Uint8Array[] = [];
  for (let i = 0; i < depth; i++) open.push(Uint8Array.from([0x7d, 0x8c, 1, 0x6b]));
  return concatAll([...open, Uint8Array.from([0x4e]), new Uint8Array(depth).fill(0x73)]);
}

/** Memo doubling: each step's value is a tuple of the previous one twice (2^k nodes from 4k bytes). */
function memoBomb(k: number): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.from([0x5d, 0x94])];
  for (let i = 0; i < k; i++) parts.push(Uint8Array.from([0x68, i, 0x86, 0x94]));
  return concatAll(parts);
}

export function pickleEdit(src: Uint8Array, r: FuzzRng): Uint8Array {
  const offs = opcodeOffsets(src);
  const at = offs.length > 2 ? offs[1 + r.int(offs.length - 2)] : 0;
  const splice = (snippet: Uint8Array, replace = 0) =>
    concat(src.subarray(0, at), snippet, src.subarray(Math.min(src.length, at + replace)));
  // A dict {'k': <value>} around a hostile value, so readers that want a dict reach it.
  const wrap = (value: Uint8Array) =>
    concat(Uint8Array.from([0x80, 2, 0x7d]), su('k'), value, Uint8Array.from([0x73, 0x2e]));
  switch (r.int(9)) {
    case 0:
      return splice(Uint8Array.from([r.pick(FOREIGN_OPS)]), r.int(2)); // opcode outside the subset
    case 1: {
      // an opcode replaced by another of the subset (operands now misread)
      const b = src.slice();
      b[at] = r.pick(SUBSET_OPS);
      return b;
    }
    case 2: {
      // huge / lying length prefixes
      const op = r.pick([0x58, 0x42, 0x8d, 0x8c, 0x43, 0x8a, 0x95]);
      const len =
        op === 0x8d || op === 0x95
          ? u64(
              BigInt(
                r.pick([
                  '18446744073709551615',
                  '9223372036854775808',
                  '9007199254740993',
                  String(src.length + 1),
                  '4294967295',
                ]),
              ),
            )
          : op === 0x58 || op === 0x42
            ? u32(r.pick([0xffffffff, 0x7fffffff, src.length - at, src.length + 1]))
            : Uint8Array.from([0xff]);
      return splice(concat(Uint8Array.from([op]), len), r.int(3));
    }
    case 3: {
      // memo abuse: gets of missing entries, huge LONG_BINGET/LONG_BINPUT, MEMOIZE with nothing on the stack
      const snip = r.pick([
        Uint8Array.from([0x68, r.int(256)]),
        concat(Uint8Array.from([0x6a]), u32(r.pick([0xffffffff, 0x80000000, 1e6]))),
        concat(Uint8Array.from([0x72]), u32(0xffffffff)),
        Uint8Array.from([0x94]),
        Uint8Array.from([0x94, 0x94, 0x94, 0x68, 2]),
      ]);
      return r.chance(0.3) ? concat(Uint8Array.from([0x80, 2]), snip, src.subarray(2)) : splice(snip);
    }
    case 4:
      return wrap(nesting(r.pick([10, 500, 999, 1001, 5000, 50000]), r.int(3))); // deep nesting
    case 5:
      return wrap(memoBomb(r.pick([8, 20, 40, 64]))); // shared references that expand exponentially
    case 6:
      return splice(nesting(r.pick([100, 3000]), r.int(3))); // nesting spliced mid-stream
    case 7: {
      // a self-referencing list / dict (cycle through the memo)
      const cyc = r.chance(0.5)
        ? Uint8Array.from([0x5d, 0x94, 0x68, 0, 0x61])
        : Uint8Array.from([0x7d, 0x94, 0x8c, 1, 0x61, 0x68, 0, 0x73]);
      return wrap(cyc);
    }
    default:
      return byteFlips(src, r);
  }
}
