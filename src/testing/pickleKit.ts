/**
 * Shared by the pickle and archive hardening tests (src/pipeline/archive/pickle.test.ts,
 * src/pipeline/archive/archiveRefusals.test.ts): a tiny pickle assembler, a model.pth builder with chosen tensor
 * operands, `refuses`, which expects a model-archive PtychoError within a time limit, and `refusesSmall`, which also
 * measures the memory the refusal took.
 */

import { zipSync } from 'fflate';
import { PtychoError } from '../errors';
import { thrownPtychoError, thrownSmall } from './thrown';

export const enc = new TextEncoder();
export type Part = number | string | Uint8Array | Part[];
export function pk(...parts: Part[]): Uint8Array {
  const out: number[] = [];
  const put = (p: Part) => {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') out.push(...enc.encode(p));
    else if (p instanceof Uint8Array) out.push(...p);
    else p.forEach(put);
  };
  parts.forEach(put);
  return new Uint8Array(out);
}
export const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
export const i32 = u32;
export const PROTO2 = [0x80, 2];
export const STOP = '.';
export const X = (s: string) => ['X', u32(enc.encode(s).length), s]; // BINUNICODE
export const K = (n: number) => ['K', n]; // BININT1
export const J = (n: number) => ['J', i32(n)]; // BININT
export const G = (mod: string, name: string) => ['c', mod, '\n', name, '\n']; // GLOBAL

/** Runs `f`, expecting a PtychoError (model-archive); returns it. */
export function refuses(f: () => unknown): PtychoError {
  return thrownPtychoError(f, 'model-archive');
}

/** `refuses`, and the memory the refusal took (bytes; thrown.ts thrownSmall). */
export function refusesSmall(f: () => unknown): { error: PtychoError; grew: number } {
  return thrownSmall(f, 'model-archive');
}

/** `n` copies of the byte sequence `unit` (fast, for inputs of millions of opcodes). */
export function repeat(unit: readonly number[], n: number): Uint8Array {
  const b = new Uint8Array(unit.length * n);
  for (let i = 0; i < n; i++) b.set(unit, i * unit.length);
  return b;
}

/** Byte arrays end to end. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ---- model.pth builder: OrderedDict{'w': _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())} --
export function modelPth(opts: {
  offset: Part;
  size: Part;
  stride: Part;
  storageBytes: number;
  dtype?: string;
}): Uint8Array {
  const od = [G('collections', 'OrderedDict'), ')', 'R'];
  const storage = [
    '(',
    X('storage'),
    G('torch', opts.dtype ?? 'FloatStorage'),
    X('0'),
    X('cpu'),
    K(opts.storageBytes >> 2),
    't',
    'Q',
  ];
  const tensor = [
    G('torch._utils', '_rebuild_tensor_v2'),
    '(',
    storage,
    opts.offset,
    opts.size,
    opts.stride,
    0x89,
    od,
    't',
    'R',
  ];
  const data = new Float32Array(opts.storageBytes >> 2).map((_, i) => i + 0.5);
  return zipSync(
    {
      'archive/data.pkl': pk(PROTO2, od, '(', X('w'), tensor, 'u', STOP),
      'archive/data/0': new Uint8Array(data.buffer),
    },
    { level: 0 },
  );
}
export const tup = (...xs: Part[][]) => ['(', ...xs, 't'];
