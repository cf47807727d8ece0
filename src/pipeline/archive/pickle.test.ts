import { readFileSync } from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { PtychoError } from '../../errors';
import { writeNpz } from '../npz';
import { toPlain, unpickle } from './pickle';
import { readPickledDict, readTorchBundle, readTorchStateDict } from './torchBundle';
import { readModelArchive, writeModelArchive, ARCHIVE_FORMAT, type ModelArchive } from './modelArchive';

/** Hostile and damaged pickles / archives: every one must end in a PtychoError, quickly and without big allocations. */

const bundleBytes = new Uint8Array(
  readFileSync(new URL('../../../tests/fixtures/torch/wts_n64_s1_gs1.h5.zip', import.meta.url)),
);

// ---- a tiny pickle assembler -------------------------------------------------------------------------------------
type Part = number | string | Uint8Array | Part[];
const enc = new TextEncoder();
function pk(...parts: Part[]): Uint8Array {
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
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const i32 = u32;
const PROTO2 = [0x80, 2];
const STOP = '.';
const X = (s: string) => ['X', u32(enc.encode(s).length), s]; // BINUNICODE
const K = (n: number) => ['K', n]; // BININT1
const J = (n: number) => ['J', i32(n)]; // BININT
const G = (mod: string, name: string) => ['c', mod, '\n', name, '\n']; // GLOBAL

/** Runs `f`, expecting a PtychoError (model-archive) within `ms`; returns it. */
function refuses(f: () => unknown, ms = 500): PtychoError {
  const t0 = performance.now();
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  const dt = performance.now() - t0;
  if (!(err instanceof PtychoError))
    throw new Error(`expected a PtychoError, got ${err === undefined ? 'a result' : String(err)}`);
  expect(err.code).toBe('model-archive');
  expect(dt).toBeLessThan(ms);
  return err;
}
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
  for (const [name, bytes] of cases) it(name, () => void refuses(() => raw(bytes), 100));
});

// ---- model.pth builder: OrderedDict{'w': _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())} --
function modelPth(opts: { offset: Part; size: Part; stride: Part; storageBytes: number; dtype?: string }): Uint8Array {
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
const tup = (...xs: Part[][]) => ['(', ...xs, 't'];

describe('defect 3: _rebuild_tensor_v2 is bounded by the storage member', () => {
  it('a well-formed small tensor decodes (the builder is right)', () => {
    const sd = readTorchStateDict(
      modelPth({ offset: K(0), size: tup(K(2), K(2)), stride: tup(K(2), K(1)), storageBytes: 16 }),
      'm.pth',
    );
    expect(sd.get('w')!.shape).toEqual([2, 2]);
    expect(Array.from(sd.get('w')!.data)).toEqual([0.5, 1.5, 2.5, 3.5]);
    const tr = readTorchStateDict(
      modelPth({ offset: K(0), size: tup(K(2), K(2)), stride: tup(K(1), K(2)), storageBytes: 16 }),
      'm.pth',
    );
    expect(Array.from(tr.get('w')!.data)).toEqual([0.5, 2.5, 1.5, 3.5]);
  });
  it('shape (2**28,) over a 16-byte storage is refused without allocating 1 GiB', () => {
    const before = process.memoryUsage().arrayBuffers;
    const e = refuses(
      () =>
        readTorchStateDict(
          modelPth({ offset: K(0), size: tup(J(2 ** 28)), stride: tup(K(1)), storageBytes: 16 }),
          'm.pth',
        ),
      100,
    );
    expect(e.message).toContain('m.pth');
    expect(e.message).toContain('archive/data/0');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });
  it('stride 0 (broadcast) cannot inflate a tiny storage either', () => {
    refuses(
      () =>
        readTorchStateDict(
          modelPth({ offset: K(0), size: tup(J(2 ** 28)), stride: tup(K(0)), storageBytes: 16 }),
          'm.pth',
        ),
      100,
    );
  });
  const badArgs: [string, Parameters<typeof modelPth>[0]][] = [
    ['negative offset', { offset: J(-1), size: tup(K(2)), stride: tup(K(1)), storageBytes: 16 }],
    ['offset past the storage', { offset: K(4), size: tup(K(1)), stride: tup(K(1)), storageBytes: 16 }],
    ['offset a string', { offset: X('0'), size: tup(K(2)), stride: tup(K(1)), storageBytes: 16 }],
    ['negative size', { offset: K(0), size: tup(J(-2)), stride: tup(K(1)), storageBytes: 16 }],
    [
      'float size',
      { offset: K(0), size: tup(['G', [0x3f, 0xf8, 0, 0, 0, 0, 0, 0]]), stride: tup(K(1)), storageBytes: 16 },
    ],
    ['size not a tuple', { offset: K(0), size: K(2), stride: tup(K(1)), storageBytes: 16 }],
    ['stride shorter than size', { offset: K(0), size: tup(K(2), K(2)), stride: tup(K(1)), storageBytes: 16 }],
    [
      'strides reading past the end',
      { offset: K(0), size: tup(K(2), K(2)), stride: tup(K(3), K(1)), storageBytes: 16 },
    ],
    [
      'an unsupported storage type',
      { offset: K(0), size: tup(K(2)), stride: tup(K(1)), storageBytes: 16, dtype: 'ByteStorage' },
    ],
  ];
  for (const [name, o] of badArgs) it(name, () => void refuses(() => readTorchStateDict(modelPth(o), 'm.pth'), 100));
});

describe('defect 4: converting to plain JS is bounded in depth and size', () => {
  it('memo references doubling 40 times (2^40 nodes from ~300 bytes) are refused', () => {
    const chain: Part[] = [']', 'q', 0];
    for (let i = 1; i <= 40; i++) chain.push(']', 'q', i, '(', 'h', i - 1, 'h', i - 1, 'e');
    const bytes = pk(PROTO2, '}', 'q', 200, chain, 'h', 200, X('k'), 'h', 40, 's', STOP);
    expect(bytes.length).toBeLessThan(400);
    expect(refuses(() => dict(bytes), 1000).message).toContain('expands');
  });
  it('a list nested 5000 deep is refused, not a stack overflow', () => {
    const n = 5000;
    const bytes = pk(PROTO2, '}', X('k'), new Array(n).fill(']'), new Array(n - 1).fill('a'), 's', STOP);
    expect(refuses(() => dict(bytes), 1000).message).toContain('nested');
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

describe('defect 5: a damaged torch_scaling_metadata.pt is a PtychoError naming the member', () => {
  const members = unzipSync(bundleBytes);
  const withMeta = (meta: Uint8Array) => zipSync({ ...members, 'torch_scaling_metadata.pt': meta }, { level: 0 });
  it('not a zip', () => {
    expect(refuses(() => readTorchBundle(withMeta(new Uint8Array([1, 2, 3, 4, 5])), 'b.zip'), 2000).message).toContain(
      'torch_scaling_metadata.pt',
    );
  });
  it('a zip whose data.pkl is garbage or not a dict', () => {
    expect(
      refuses(() => readTorchBundle(withMeta(zipSync({ 'a/data.pkl': pk(PROTO2, 0xff) })), 'b.zip'), 2000).message,
    ).toContain('torch_scaling_metadata.pt');
    expect(
      refuses(() => readTorchBundle(withMeta(zipSync({ 'a/data.pkl': pk(PROTO2, K(1), STOP) })), 'b.zip'), 2000)
        .message,
    ).toContain('torch_scaling_metadata.pt');
  });
});

describe('defect 6: model archive JSON is validated', () => {
  const base: ModelArchive = {
    manifest: {
      format: ARCHIVE_FORMAT,
      version: 1,
      models: ['diffraction_to_obj'],
      backend: 'webgpu',
      appVersion: 't',
      createdAt: 'now',
      datasetSha256: null,
      seed: 1,
    },
    params: { N: 64 },
    config: { model: { N: 64 }, training: { nepochs: 1 } },
    weights: new Map([['w', { shape: [2], data: new Float32Array([1, 2]) }]]),
    history: [{ epoch: 0, trainLoss: 1, valLoss: null, learningRate: 0.001 }],
  };
  const good = unzipSync(writeModelArchive(base));
  const withMember = (name: string, text: string) => zipSync({ ...good, [name]: enc.encode(text) });
  it('a valid archive round-trips', () => {
    const a = readModelArchive(zipSync(good));
    expect(a.manifest).toEqual(base.manifest);
    expect(a.history).toEqual(base.history);
    expect(a.config).toEqual(base.config);
  });
  const cases: [string, string, string][] = [
    ['manifest.json', 'null', 'manifest.json'],
    ['manifest.json', '[]', 'manifest.json'],
    ['manifest.json', '7', 'manifest.json'],
    ['manifest.json', JSON.stringify({ ...base.manifest, version: '1' }), 'version'],
    ['manifest.json', JSON.stringify({ ...base.manifest, models: null }), 'models'],
    ['manifest.json', JSON.stringify({ ...base.manifest, seed: undefined }), 'seed'],
    ['params.json', 'null', 'params.json'],
    ['config.json', 'null', 'config.json'],
    ['config.json', JSON.stringify({ model: 1, training: {} }), 'model'],
    ['config.json', JSON.stringify({ model: {} }), 'training'],
    ['history.json', '{}', 'history.json'],
    ['history.json', '[null]', 'history.json[0]'],
    ['history.json', '[{"epoch": "0"}]', 'epoch'],
  ];
  for (const [member, text, key] of cases) {
    it(`${member} = ${text.slice(0, 40)}`, () => {
      const e = refuses(() => readModelArchive(withMember(member, text), 'm.zip'));
      expect(e.message).toContain('m.zip');
      expect(e.message).toContain(key);
    });
  }
  it('a zip member declaring a huge size is refused before inflating', () => {
    const z = zipSync({ 'manifest.json': enc.encode('{}') }, { level: 0 });
    // Patch the central directory's uncompressed size (offset 24 in the CD header) to 2 GiB.
    const cd = z.findLastIndex((_, i) => z[i] === 0x50 && z[i + 1] === 0x4b && z[i + 2] === 1 && z[i + 3] === 2);
    new DataView(z.buffer).setUint32(cd + 24, 2 ** 31, true);
    refuses(() => readModelArchive(z, 'm.zip'));
  });
});

// ---- seeded mutation fuzzing of the real bundle's pickles ------------------------------------------------------------
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
    const t0 = performance.now();
    for (let i = 0; i < 300; i++) {
      const src = i % 2 ? params : manifest;
      seen[onlyPtychoErrors(() => dict(mutate(src, r), `case${i}.dill`))]++;
    }
    expect(seen.ok + seen.refused).toBe(300);
    expect(seen.refused).toBeGreaterThan(50);
    expect(performance.now() - t0).toBeLessThan(10_000);
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
