/**
 * The pickle VM under hostile input (src/pipeline/archive/pickle.ts): code execution refused by name, operand types
 * and stack depth checked for every opcode, length prefixes checked before allocating, plain-JS conversion bounded in
 * depth and size, and seeded mutations of the reference bundle's pickles. Every refusal is a PtychoError, quickly and
 * without big allocations. Tensor, metadata and archive refusals are in archiveRefusals.test.ts.
 */
import { readFileSync } from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { PtychoError } from '../../errors';
import { toPlain, unpickle } from './pickle';
import {
  concat,
  G,
  K,
  pk,
  PROTO2,
  refuses,
  refusesSmall,
  repeat,
  STOP,
  u32,
  X,
  type Part,
} from '../../testing/pickleKit';
import { readPickledDict, readTorchBundle, readTorchStateDict } from './torchBundle';
import { Rng } from '../../numerics/random';

const bundleBytes = new Uint8Array(
  readFileSync(new URL('../../../tests/fixtures/torch/wts_n64_s1_gs1.h5.zip', import.meta.url)),
);

const dict = (bytes: Uint8Array, source = 'x.dill') => readPickledDict(bytes, source);
const raw = (bytes: Uint8Array) => unpickle(bytes, { source: 'x.pkl', allowedGlobals: ['collections.OrderedDict'] });

describe('pickle VM: code execution is refused by name', () => {
  it('GLOBAL os.system / STACK_GLOBAL builtins.eval', () => {
    expect(refuses(() => dict(pk(PROTO2, G('os', 'system'), X('id'), 0x85, 'R', STOP))).message).toContain('os.system');
    expect(refuses(() => dict(pk(PROTO2, X('builtins'), X('eval'), 0x93, X('1'), 0x85, 'R', STOP))).message).toContain(
      'builtins.eval',
    );
  });
});

describe('defect 1: operand types and stack depth are checked for every opcode', () => {
  const cases: [string, Uint8Array, string][] = [
    ['SETITEMS on a list', pk(PROTO2, ']', '(', K(1), K(2), 'u', STOP), 'SETITEMS'],
    ['SETITEM on an int', pk(PROTO2, K(7), K(1), K(2), 's', STOP), 'SETITEM'],
    ['SETITEMS with an odd item count', pk(PROTO2, '}', '(', K(1), 'u', STOP), 'SETITEMS'],
    ['BUILD on an int', pk(PROTO2, K(1), K(2), 'b', STOP), 'BUILD'],
    ['APPEND to a dict', pk(PROTO2, '}', K(1), 'a', STOP), 'APPEND'],
    ['APPEND to a tuple', pk(PROTO2, ')', K(1), 'a', STOP), 'APPEND'],
    ['APPENDS to a string', pk(PROTO2, X('s'), '(', K(1), 'e', STOP), 'APPENDS'],
    ['ADDITEMS to a list', pk(PROTO2, ']', '(', K(1), 0x90, STOP), 'ADDITEMS'],
    ['TUPLE2 on a one-item stack', pk(PROTO2, K(1), 0x86, STOP), 'TUPLE2'],
    ['TUPLE3 across a MARK', pk(PROTO2, '(', K(1), K(2), 0x87, STOP), 'TUPLE3'],
    ['TUPLE1 on an empty stack', pk(PROTO2, 0x85, STOP), 'TUPLE1'],
    ['STOP on an empty stack', pk(PROTO2, STOP), 'STOP'],
    ['STOP on a MARK', pk(PROTO2, '(', STOP), 'STOP'],
    ['STACK_GLOBAL with ints', pk(PROTO2, K(1), K(2), 0x93, STOP), 'STACK_GLOBAL'],
    ['REDUCE with non-tuple args', pk(PROTO2, G('collections', 'OrderedDict'), K(3), 'R', STOP), 'REDUCE'],
    ['REDUCE of a non-callable', pk(PROTO2, K(3), ')', 'R', STOP), 'REDUCE'],
    ['BINPUT of a MARK', pk(PROTO2, '(', 'q', 0, STOP), 'BINPUT'],
    ['BINGET of a missing memo', pk(PROTO2, 'h', 5, STOP), 'BINGET'],
    ['DICT without a MARK', pk(PROTO2, K(1), K(2), 'd', STOP), 'DICT'],
    ['BINPERSID without a loader', pk(PROTO2, K(1), 'Q', STOP), 'BINPERSID'],
    ['an unknown opcode', pk(PROTO2, 0xff, STOP), '0xff'],
    ['no STOP', pk(PROTO2, '}'), 'truncated'],
  ];
  for (const [name, bytes, op] of cases) {
    it(name, () => {
      const e = refuses(() => raw(bytes));
      expect(e.message).toContain(op);
      expect(e.message).toContain('x.pkl');
      expect(e.message).toMatch(/byte \d+/);
    });
  }
  it('a dict whose keys are lists is refused when converted', () => {
    expect(refuses(() => dict(pk(PROTO2, '}', ']', K(1), 's', STOP))).message).toContain('key');
  });
  it('exceptions thrown by a reducer become PtychoErrors', () => {
    const f = () =>
      unpickle(pk(PROTO2, G('m', 'f'), ')', 'R', STOP), {
        source: 'r.pkl',
        allowedGlobals: ['m.f'],
        reducers: {
          'm.f': () => {
            throw new TypeError('boom');
          },
        },
      });
    expect(refuses(f).message).toContain('boom');
  });
  it('valid dicts still decode', () => {
    expect(dict(pk(PROTO2, '}', 'q', 0, '(', X('a'), K(1), X('b'), ']', 'q', 1, X('c'), 'a', 'u', STOP))).toEqual({
      a: 1,
      b: ['c'],
    });
  });
});

describe('defect 2: length prefixes beyond the input are refused before allocating', () => {
  const cases: [string, Uint8Array][] = [
    ['BINUNICODE 4 GiB', pk(PROTO2, 'X', u32(0xfffffff0), 'abc', STOP)],
    ['BINBYTES 4 GiB', pk(PROTO2, 'B', u32(0xffffffff), 'abc', STOP)],
    ['SHORT_BINBYTES past the end', pk(PROTO2, 'C', 200, 'abc')],
    ['SHORT_BINUNICODE past the end', pk(PROTO2, 0x8c, 200, 'abc')],
    ['BINUNICODE8 2^63', pk(PROTO2, 0x8d, [0, 0, 0, 0, 0, 0, 0, 0x80], 'abc', STOP)],
    ['BINUNICODE8 2^53+1', pk(PROTO2, 0x8d, [1, 0, 0, 0, 0, 0, 0x20, 0], 'abc', STOP)],
    ['SHORT_BINSTRING (unsupported)', pk(PROTO2, 'U', 255, 'abc', STOP)],
    ['LONG_BINPUT truncated', pk(PROTO2, '}', 'r', [1, 2])],
    ['LONG_BINGET huge index', pk(PROTO2, 'j', u32(0xffffffff), STOP)],
    ['LONG1 past the end', pk(PROTO2, 0x8a, 255, 1, 2)],
    ['FRAME truncated', pk(0x80, 4, 0x95, [1, 2, 3])],
    ['BINFLOAT truncated', pk(PROTO2, 'G', [1, 2, 3])],
  ];
  for (const [name, bytes] of cases) it(name, () => void refuses(() => raw(bytes)));
});

describe('defect 4: converting to plain JS is bounded in depth and size', () => {
  it('memo references doubling 40 times (2^40 nodes from ~300 bytes) are refused', () => {
    const chain: Part[] = [']', 'q', 0];
    for (let i = 1; i <= 40; i++) chain.push(']', 'q', i, '(', 'h', i - 1, 'h', i - 1, 'e');
    const bytes = pk(PROTO2, '}', 'q', 200, chain, 'h', 200, X('k'), 'h', 40, 's', STOP);
    expect(bytes.length).toBeLessThan(400);
    expect(refuses(() => dict(bytes)).message).toContain('expands');
  });
  it('a list nested 5000 deep is refused, not a stack overflow', () => {
    const n = 5000;
    const bytes = pk(PROTO2, '}', X('k'), new Array(n).fill(']'), new Array(n - 1).fill('a'), 's', STOP);
    expect(refuses(() => dict(bytes)).message).toContain('nested');
  });
  it('a list containing itself is refused', () => {
    refuses(() => dict(pk(PROTO2, '}', X('k'), ']', 'q', 0, 'h', 0, 'a', 's', STOP)));
  });
  it('toPlain honours explicit limits', () => {
    expect(() => toPlain([[[1]]], { source: 's', maxDepth: 2 })).toThrow(PtychoError);
    expect(() => toPlain([1, 2, 3], { source: 's', maxNodes: 3 })).toThrow(PtychoError);
    expect(toPlain(new Map<unknown, unknown>([['__proto__', 1]]), { source: 's' })).toEqual(
      Object.fromEntries([['__proto__', 1]]),
    );
  });
});

describe('refused early: depth, value count and string length are capped while the value is built', () => {
  // Before these caps, TUPLE1 × 10⁶ built ~100 MiB and ']' × 10⁶ + 'a' × 10⁶ ~190 MiB (0.5–0.7 s) before refusing.
  const MiB = 2 ** 20;
  const n = 1e6;
  const head = pk(PROTO2);
  const stop = pk(STOP);
  const small = (f: () => unknown) => {
    const { error, grew } = refusesSmall(f);
    expect(grew).toBeLessThan(32 * MiB);
    return error.message;
  };
  it('a tuple nested 10⁶ deep (TUPLE1 × 10⁶) is refused at depth 1001, in little memory', () => {
    const b = concat(head, pk(K(1)), repeat([0x85], n), stop);
    expect(small(() => raw(b))).toMatch(
      /^x\.pkl: the value is nested 1001 levels deep, past the cap of 1000 levels \(TUPLE1 at pickle byte 1004\)$/,
    );
  });
  it('10⁶ open MARKs are refused at the 1001st', () => {
    const b = concat(head, repeat([0x28], n), repeat([0x74], n), stop);
    expect(small(() => raw(b))).toMatch(/nested 1001 levels deep.*\(MARK at pickle byte 1002\)/);
  });
  it('a 10⁶-deep pickle deflated into a few-KB model.pth member is refused naming the member', () => {
    for (const [unit, close, what] of [
      [[0x85], new Uint8Array(0), /nested 1001 levels deep/],
      [[0x5d], repeat([0x61], n - 1), /builds more than 100000 values/],
    ] as const) {
      const pkl = concat(head, pk(K(1)), repeat(unit, n), close, stop);
      const z = zipSync({ 'archive/data.pkl': pkl, 'archive/data/0': new Uint8Array(4) }, { level: 9 });
      expect(z.length).toBeLessThan(8 * 1024);
      const msg = small(() => readTorchStateDict(z, 'm.pth'));
      expect(msg).toContain('m.pth:archive/data.pkl');
      expect(msg).toMatch(what);
    }
  });
  it('10⁶ APPENDs to one list are refused at 100 000 values', () => {
    const b = concat(head, pk(']'), repeat([0x4b, 1, 0x61], n), stop);
    expect(small(() => raw(b))).toMatch(/builds more than 100000 values; a real one holds a few thousand \(BININT1/);
  });
  it('10⁶ memo entries (LONG_BINPUT with distinct keys) are refused at 100 000', () => {
    const puts = new Uint8Array(5 * n);
    for (let i = 0; i < n; i++) puts.set([0x72, ...u32(i)], 5 * i);
    expect(small(() => raw(concat(head, pk(K(1)), puts, stop)))).toMatch(/more than 100000 memo entries/);
  });
  it('a 16 MiB string, bytes object or GLOBAL line is refused before it is decoded', () => {
    const L = 16 * MiB;
    const body = new Uint8Array(L).fill(0x61);
    for (const [op, b] of [
      ['BINUNICODE', concat(head, pk('X', u32(L)), body, stop)],
      ['BINBYTES', concat(head, pk('B', u32(L)), body, stop)],
      ['GLOBAL', concat(head, pk('c'), body, pk('\n', 'b\n'), stop)],
    ] as const) {
      const msg = small(() => raw(b));
      expect(msg).toContain(op);
      expect(msg).toMatch(/longer than the cap of 1048576 bytes/);
    }
  });
  it('the caps can be set per call; the reference bundle reads well inside the defaults', () => {
    const limited = (b: Uint8Array, limits: object) => unpickle(b, { source: 's.pkl', allowedGlobals: [], limits });
    expect(refuses(() => limited(pk(PROTO2, K(1), 0x85, 0x85, 0x85, STOP), { maxDepth: 2 })).message).toContain(
      'nested 3 levels deep',
    );
    expect(limited(pk(PROTO2, K(1), 0x85, 0x85, STOP), { maxDepth: 2 })).toEqual([[1]]);
    expect(() => limited(pk(PROTO2, K(1), K(2), 0x86, STOP), { maxValues: 2 })).toThrow(PtychoError);
    expect(() => limited(pk(PROTO2, X('abcd'), STOP), { maxString: 3 })).toThrow(PtychoError);
    expect(readTorchBundle(bundleBytes).stateDict.size).toBeGreaterThan(10);
  });
});

// ---- seeded mutation fuzzing of the real bundle's pickles ------------------------------------------------------------
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.uniform();
}
const OPCODES = [
  0x28, 0x29, 0x2e, 0x5d, 0x61, 0x62, 0x65, 0x68, 0x6a, 0x71, 0x72, 0x73, 0x74, 0x75, 0x7d, 0x85, 0x86, 0x87, 0x8c,
  0x93, 0x94, 0x58, 0x52, 0x81,
];
function mutate(src: Uint8Array, r: () => number): Uint8Array {
  const kind = Math.floor(r() * 4);
  if (kind === 0) return src.slice(0, Math.floor(r() * src.length)); // truncation
  const b = src.slice();
  const flips = 1 + Math.floor(r() * 4);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(r() * b.length);
    if (kind === 1)
      b[at] ^= 1 << Math.floor(r() * 8); // bit flip
    else if (kind === 2)
      b[at] = Math.floor(r() * 256); // random byte
    else b[at] = OPCODES[Math.floor(r() * OPCODES.length)]; // an opcode where data was
  }
  return b;
}
function onlyPtychoErrors(f: () => unknown): 'ok' | 'refused' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!(e instanceof PtychoError)) throw e;
    expect(e.code).toBe('model-archive');
    return 'refused';
  }
}

describe('mutation fuzzing: damaged pickles parse or throw PtychoError, nothing else', () => {
  const members = unzipSync(bundleBytes);
  const manifest = members['manifest.dill'];
  const params = members['diffraction_to_obj/params.dill'];
  const pth = unzipSync(members['diffraction_to_obj/model.pth']);
  const pklName = Object.keys(pth).find((n) => n.endsWith('data.pkl'))!;
  it('the originals parse', () => {
    expect(dict(manifest)).toBeTruthy();
    expect(dict(params)).toBeTruthy();
  });
  it('300 mutations of manifest.dill and params.dill', () => {
    const r = rng(12345);
    const seen = { ok: 0, refused: 0 };
    for (let i = 0; i < 300; i++) {
      const src = i % 2 ? params : manifest;
      seen[onlyPtychoErrors(() => dict(mutate(src, r), `case${i}.dill`))]++;
    }
    expect(seen.ok + seen.refused).toBe(300);
    expect(seen.refused).toBeGreaterThan(50);
  });
  it('100 mutations of model.pth data.pkl', () => {
    const r = rng(777);
    for (let i = 0; i < 100; i++) {
      const z = zipSync({ ...pth, [pklName]: mutate(pth[pklName], r) }, { level: 0 });
      onlyPtychoErrors(() => readTorchStateDict(z, `case${i}.pth`));
    }
  });
  it('50 mutations of the whole bundle zip', () => {
    const r = rng(99);
    for (let i = 0; i < 50; i++) onlyPtychoErrors(() => readTorchBundle(mutate(bundleBytes, r), `case${i}.zip`));
  });
});
