/**
 * Seeded mutation fuzzing of every reader that takes files from strangers (npz.ts, archive/pickle.ts,
 * archive/torchBundle.ts, archive/modelArchive.ts, api/modelFiles.ts). One engine for the unit test
 * (src/pipeline/readerFuzz.test.ts) and the long runner (scripts/fuzz.ts).
 *
 * A case = (class, target reader, input bytes), drawn deterministically from a seed. `fuzzCase` runs one: the reader
 * must return, or throw a PtychoError with a non-empty code — never another exception, never take > 1 s, and never
 * grow arrayBuffers / heap by more than an input-derived cap (1100 × input + 64 MiB: DEFLATE's 1032× expansion
 * plus room for the decoded result). Seeds are built in memory (no file reads).
 */
import { deflateSync, unzipSync, zipSync, strToU8, strFromU8 } from 'fflate';
import { PtychoError } from '../errors';
import { buildModelArchive, fileKind, readModelFile } from '../api/modelFiles';
import { makeTrainingConfig } from '../config/schema';
import { initParameters, parameterShapes } from '../model/network';
import { readModelArchive } from './archive/modelArchive';
import { pickle, PyFloat } from './archive/pickleWriter';
import { readPickledDict, readTorchBundle, readTorchStateDict } from './archive/torchBundle';
import { torchSaveZip, writeTorchBundle, writeTorchStateDict } from './archive/torchBundleWriter';
import type { NdArray } from './ndarray';
import { crc32, listNpz, npyHeader, readArrayFile, writeNpy, writeNpz } from './npz';

// ------------------------------------------------------------------ PRNG

/** mulberry32: tiny, seeded, good enough for choosing mutations. */
export class FuzzRng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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

// ------------------------------------------------------------------ readers

export type ReaderName =
  | 'readArrayFile'
  | 'listNpz'
  | 'readPickledDict'
  | 'readTorchStateDict'
  | 'readTorchBundle'
  | 'readModelArchive'
  | 'readModelFile'
  | 'fileKind';

export const READERS: Record<ReaderName, (b: Uint8Array) => unknown> = {
  readArrayFile: (b) => readArrayFile(b, { fileName: 'fuzz.npz' }),
  listNpz: (b) => listNpz(b, { fileName: 'fuzz.npz' }),
  readPickledDict: (b) => readPickledDict(b, 'fuzz.dill'),
  readTorchStateDict: (b) => readTorchStateDict(b, 'fuzz.pth'),
  readTorchBundle: (b) => readTorchBundle(b, 'fuzz.h5.zip'),
  readModelArchive: (b) => readModelArchive(b, 'fuzz.zip'),
  readModelFile: (b) => readModelFile(b, 'fuzz.zip'),
  fileKind: (b) => fileKind(b),
};

// ------------------------------------------------------------------ harness

export type Outcome = 'accepted' | 'refused' | 'crash' | 'slow' | 'big';

export interface CaseResult {
  outcome: Outcome;
  ms: number;
  /** Growth of max(arrayBuffers, heapUsed) across the call, bytes. */
  grew: number;
  cap: number;
  error?: unknown;
}

export const SLOW_MS = 1000;

/** The allocation a reader may make for an input of `n` bytes (DEFLATE's 1032× plus the decoded result). */
export function allocationCap(n: number): number {
  return 1100 * n + 64 * 2 ** 20;
}

/**
 * Run one reader on one input. `crash` (anything thrown that is not a PtychoError with a code) outranks `slow`
 * (> 1 s), which outranks `big` (memory grew past allocationCap); otherwise accepted / refused.
 */
export function fuzzCase(input: Uint8Array, reader: (b: Uint8Array) => unknown): CaseResult {
  const m0 = process.memoryUsage();
  const t0 = performance.now();
  let error: unknown;
  let threw = false;
  let result: unknown;
  try {
    result = reader(input);
  } catch (e) {
    threw = true;
    error = e;
  }
  const ms = performance.now() - t0;
  const m1 = process.memoryUsage();
  const grew = Math.max(m1.arrayBuffers - m0.arrayBuffers, m1.heapUsed - m0.heapUsed);
  const cap = allocationCap(input.length);
  void result;
  let outcome: Outcome;
  if (
    threw &&
    !(
      error instanceof PtychoError &&
      typeof error.code === 'string' &&
      error.code.length > 0 &&
      error.message.length > 0
    )
  )
    outcome = 'crash';
  else if (ms > SLOW_MS) outcome = 'slow';
  else if (grew > cap) outcome = 'big';
  else outcome = threw ? 'refused' : 'accepted';
  return outcome === 'accepted' ? { outcome, ms, grew, cap } : { outcome, ms, grew, cap, error };
}

// ------------------------------------------------------------------ seeds

export interface Seeds {
  npz: Uint8Array;
  npzDeflate: Uint8Array;
  npy: Uint8Array;
  npyFortran: Uint8Array;
  manifestDill: Uint8Array;
  paramsDill: Uint8Array;
  modelPth: Uint8Array;
  bundle: Uint8Array;
  archive: Uint8Array;
}

const ARCHIVE_CFG = { model: { N: 32 as const, gridsize: 1, n_filters_scale: 0.25 } };

function seedArrays(): Record<string, NdArray> {
  return {
    diff3d: { dtype: 'f32', shape: [2, 4, 4], data: Float32Array.from({ length: 32 }, (_, i) => Math.sqrt(i)) },
    probeGuess: { dtype: 'c64', shape: [2, 2], data: Float32Array.from([1, 0, 0, 1, -1, 0, 0, -1]) },
    xcoords: { dtype: 'f64', shape: [2], data: Float64Array.from([1.5, 2.5]) },
    scan_index: { dtype: 'i64', shape: [2], data: Float64Array.from([0, 1]) },
    mask: { dtype: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) },
    meta: { dtype: 'str', shape: [], data: new Uint8Array(0), text: '{"k": "v"}' },
  };
}

export function makeSeeds(): Seeds {
  const arrays = seedArrays();
  const npyFortran = (() => {
    const body = new Uint8Array(6 * 4);
    new Float32Array(body.buffer).set([1, 2, 3, 4, 5, 6]);
    return concat(npyHeader('<f4', [2, 3], true), body);
  })();
  const cfg = makeTrainingConfig(ARCHIVE_CFG);
  const spec = {
    N: 32,
    C: 1,
    nFiltersScale: 0.25,
    cbam: cfg.model.cbam_encoder,
    probeBig: cfg.model.probe_big,
    ampActivation: cfg.model.amp_activation,
  };
  const init = initParameters(spec, 1);
  const weights = new Map(parameterShapes(spec).map(([k, shape]) => [k, { shape, data: init.get(k)! }]));
  const stateDict = new Map([
    [
      'model.autoencoder.encoder.blocks.0.conv1.weight',
      { shape: [2, 1, 3, 3], data: Float32Array.from({ length: 18 }, (_, i) => i / 18) },
    ],
    ['model.autoencoder.encoder.blocks.0.conv1.bias', { shape: [2], data: Float32Array.from([0.5, -0.5]) }],
  ]);
  const params = {
    N: 64,
    gridsize: 1,
    n_filters_scale: 2,
    nphotons: new PyFloat(1e9),
    intensity_scale: new PyFloat(1234.5),
    'object.big': true,
    amp_activation: 'sigmoid',
  };
  return {
    npz: writeNpz(arrays),
    npzDeflate: writeNpz(arrays, { compress: true }),
    npy: writeNpy(arrays.diff3d),
    npyFortran,
    manifestDill: pickle({ models: ['diffraction_to_obj', 'autoencoder'], version: '2.0-pytorch' }),
    paramsDill: pickle(params),
    modelPth: writeTorchStateDict(stateDict),
    bundle: writeTorchBundle({
      stateDict,
      params,
      scalingMetadata: { nphotons: new PyFloat(1e9), cfg: { N: 64, nested: [1, 2, [3, 4]] } },
    }),
    archive: buildModelArchive({
      config: cfg,
      weights,
      history: [
        { epoch: 0, trainLoss: 1.5, valLoss: null, learningRate: 1e-3, seconds: 0, patternsPerSecond: 0 },
      ] as never,
      physicsScale: 100,
      datasetSha256: null,
    }),
  };
}

// ------------------------------------------------------------------ byte helpers

function concat(...parts: Uint8Array[]): Uint8Array {
  return concatAll(parts);
}
function concatAll(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function u16(v: number): Uint8Array {
  return Uint8Array.from([v & 0xff, (v >>> 8) & 0xff]);
}
function u32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}
function u64(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
}

/** Interesting 32-bit values for size and count fields. */
const EDGE32 = [
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

function byteFlips(src: Uint8Array, r: FuzzRng): Uint8Array {
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

function truncate(src: Uint8Array, r: FuzzRng): Uint8Array {
  // Mostly near the ends (headers, central directory), sometimes anywhere.
  const n = src.length;
  const at = r.chance(0.5) ? r.int(n) : r.chance(0.5) ? r.int(Math.min(n, 64)) : n - 1 - r.int(Math.min(n, 128));
  return src.slice(0, Math.max(0, at));
}

// ------------------------------------------------------------------ zip building / editing

interface ZipMember {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
}

interface ZipLayout {
  bytes: Uint8Array;
  locals: number[];
  cds: number[];
  eocd: number;
}

/** A plain zip (no data descriptors), duplicates and odd names allowed; offsets returned for later edits. */
export function buildZip(members: ZipMember[]): ZipLayout {
  const parts: Uint8Array[] = [];
  const cdParts: Uint8Array[] = [];
  const locals: number[] = [];
  let off = 0;
  const enc = new TextEncoder();
  const metas: { name: Uint8Array; crc: number; c: number; u: number; method: number; local: number }[] = [];
  for (const m of members) {
    const name = enc.encode(m.name);
    const comp = m.deflate ? deflateSync(m.data) : m.data;
    const method = m.deflate ? 8 : 0;
    const crc = crc32(m.data);
    const lh = concat(
      u32(0x04034b50),
      u16(20),
      u16(0x800),
      u16(method),
      u16(0),
      u16(0x21),
      u32(crc),
      u32(comp.length),
      u32(m.data.length),
      u16(name.length),
      u16(0),
      name,
    );
    locals.push(off);
    metas.push({ name, crc, c: comp.length, u: m.data.length, method, local: off });
    parts.push(lh, comp);
    off += lh.length + comp.length;
  }
  const cdOff = off;
  const cds: number[] = [];
  for (const m of metas) {
    cds.push(off);
    const cd = concat(
      u32(0x02014b50),
      u16(20),
      u16(20),
      u16(0x800),
      u16(m.method),
      u16(0),
      u16(0x21),
      u32(m.crc),
      u32(m.c),
      u32(m.u),
      u16(m.name.length),
      u16(0),
      u16(0),
      u16(0),
      u16(0),
      u32(0),
      u32(m.local),
      m.name,
    );
    cdParts.push(cd);
    off += cd.length;
  }
  const eocd = off;
  const end = concat(
    u32(0x06054b50),
    u16(0),
    u16(0),
    u16(metas.length),
    u16(metas.length),
    u32(off - cdOff),
    u32(cdOff),
    u16(0),
  );
  return { bytes: concatAll([...parts, ...cdParts, end]), locals, cds, eocd };
}

function membersOf(zip: Uint8Array): ZipMember[] {
  return Object.entries(unzipSync(zip)).map(([name, data]) => ({ name, data, deflate: data.length > 64 }));
}

const BAD_NAMES = [
  '../evil.npy',
  '../../etc/passwd',
  '/abs.npy',
  'C:\\win.npy',
  'a/../../b.npy',
  '',
  'a\0b.npy',
  '__proto__',
  '__proto__.npy',
  'constructor',
  'dir/',
  'x'.repeat(300),
];

/** Structural zip edits: header fields, counts, offsets, names, duplicates, nesting, bombs, zip64 lies. */
function zipEdit(members: ZipMember[], r: FuzzRng): Uint8Array {
  const ms = members.map((m) => ({ ...m }));
  const i = r.int(ms.length);
  const op = r.int(16);
  switch (op) {
    case 0: // duplicate name
      if (ms.length > 1) ms[(i + 1) % ms.length].name = ms[i].name;
      else ms.push({ ...ms[0] });
      return buildZip(ms).bytes;
    case 1: // hostile / odd names
      ms[i].name = r.pick(BAD_NAMES);
      return buildZip(ms).bytes;
    case 2: {
      // nested zip: a member replaced by the zip itself, or by a zip of zips
      const self = buildZip(members).bytes;
      ms[i].data = r.chance(0.5)
        ? self
        : zipSync({ 'inner.zip': self, 'again.zip': zipSync({ 'x.zip': self }) }, { level: 0 });
      return buildZip(ms).bytes;
    }
    case 3: // a deflate bomb member (legitimately ≤ 1032×) next to the real ones
      ms.push({
        name: r.pick(['bomb.npy', 'manifest.json', 'diffraction_to_obj/weights.npz', 'zeros']),
        data: new Uint8Array(1 << (16 + r.int(5))),
        deflate: true,
      });
      return buildZip(ms).bytes;
    case 4: // drop a member
      ms.splice(i, 1);
      return buildZip(ms.length ? ms : [{ name: 'x', data: new Uint8Array(0) }]).bytes;
    default:
      break;
  }
  const z = buildZip(ms);
  const b = z.bytes;
  const dv = new DataView(b.buffer);
  const cd = z.cds[i];
  const lh = z.locals[i];
  const val = () => (r.chance(0.7) ? r.pick(EDGE32) : r.int(b.length * 2));
  switch (op) {
    case 5:
      dv.setUint32(cd + 24, r.chance(0.5) ? val() : dv.getUint32(cd + 20, true) * (1000 + r.int(5000)), true);
      break; // CD usize
    case 6:
      dv.setUint32(cd + 20, val(), true);
      break; // CD csize
    case 7:
      dv.setUint32(lh + 18 + 4 * r.int(2), val(), true);
      break; // local csize/usize
    case 8:
      dv.setUint32(cd + 16, dv.getUint32(cd + 16, true) ^ (1 << r.int(32)), true);
      break; // CRC
    case 9:
      dv.setUint16(z.eocd + 8 + 2 * r.int(2), r.pick([0, ms.length - 1, ms.length + 1, 0xffff, r.int(0x10000)]), true);
      break; // entry counts
    case 10:
      dv.setUint32(z.eocd + 12 + 4 * r.int(2), val(), true);
      break; // CD size / offset
    case 11:
      dv.setUint32(cd + 42, r.chance(0.5) ? z.locals[0] : val(), true);
      break; // local header offset (overlap / outside)
    case 12:
      dv.setUint16(cd + 10, r.pick([1, 6, 9, 12, 14, 93, 99, 0xffff]), true);
      dv.setUint16(lh + 8, dv.getUint16(cd + 10, true), true);
      break; // method
    case 13:
      dv.setUint16(cd + 8, dv.getUint16(cd + 8, true) | r.pick([1, 8, 0x40]), true);
      break; // encrypted / descriptor flags
    case 14:
      dv.setUint16(cd + 28 + 2 * r.int(3), r.pick([0xffff, 1000, 0, 1]), true);
      break; // name / extra / comment lengths
    default: {
      // a ZIP64 locator + end record declaring a huge entry count / offsets
      const z64 = concat(
        u32(0x06064b50),
        u64(44n),
        u16(45),
        u16(45),
        u32(0),
        u32(0),
        u64(BigInt(r.pick([0xffffffff, 2 ** 32 + 5, 1e12]))),
        u64(BigInt(r.pick([0xffffffff, 2 ** 40]))),
        u64(BigInt(r.pick([0xffffffff, 2 ** 33, 0]))),
        u64(BigInt(r.pick([0, 2 ** 33]))),
      );
      const head = b.subarray(0, z.eocd);
      const loc = concat(u32(0x07064b50), u32(0), u64(BigInt(head.length)), u32(1));
      const end = b.slice(z.eocd);
      new DataView(end.buffer).setUint16(8, 0xffff, true);
      new DataView(end.buffer).setUint16(10, 0xffff, true);
      return concat(head, z64, loc, end);
    }
  }
  return b;
}

// ------------------------------------------------------------------ .npy header edits

const BAD_DESCR = [
  "'<f4'",
  "'>f8'",
  "'|O'",
  "'<U0'",
  "'<U99999999999'",
  "'<f3'",
  "'<c32'",
  "'<M8[ns]'",
  "'|V16'",
  "'<i16'",
  "''",
  "'<f4",
  "[('a', '<f4')]",
  "'=b1'",
  "'<S0'",
  "'|S4294967296'",
  '1',
  "'\\x00'",
];
const BAD_SHAPE = [
  '()',
  '(0,)',
  '(-1,)',
  '(1e9,)',
  '(2**31,)',
  '(9007199254740993,)',
  '(4294967296, 4294967296)',
  '(3,4',
  '(,)',
  '(1,)' + ' '.repeat(10),
  '(' + '1,'.repeat(65) + ')',
  '(' + '2,'.repeat(40) + ')',
  '(1.5,)',
  '(0x10,)',
  '(999999999999999999999999,)',
  '(100000, 100000)',
  '(2, 3)',
];
const BAD_FORTRAN = ['True', 'False', 'garbage', '1', 'None', "'True'"];

/** Rewrite a .npy header: dtype, shape, order, then the header length / version fields lie. */
function npyEdit(src: Uint8Array, r: FuzzRng): Uint8Array {
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const hlen = dv.getUint16(8, true);
  const body = src.subarray(10 + hlen);
  const op = r.int(6);
  if (op <= 2) {
    const descr = op === 0 ? r.pick(BAD_DESCR) : "'<f4'";
    const shape = op === 1 ? r.pick(BAD_SHAPE) : '(2, 4, 4)';
    const fort = op === 2 ? r.pick(BAD_FORTRAN) : 'False';
    const text = strToU8(`{'descr': ${descr}, 'fortran_order': ${fort}, 'shape': ${shape}, }`.padEnd(118, ' ') + '\n');
    return concat(
      Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]),
      u16(text.length),
      text,
      r.chance(0.8) ? body : body.subarray(0, r.int(body.length + 1)),
    );
  }
  const b = src.slice();
  const d = new DataView(b.buffer);
  if (op === 3)
    d.setUint16(8, r.pick([0, 1, hlen - 1, hlen + 1, 0xffff, r.int(0x10000)]), true); // header length lies
  else if (op === 4) {
    b[6] = r.pick([0, 2, 3, 4, 0xff]);
    b[7] = r.int(3);
  } // version (v2/v3 read 4 length bytes)
  else {
    // Flip bytes inside the header text only.
    const k = 1 + r.int(4);
    for (let j = 0; j < k; j++)
      b[10 + r.int(hlen)] = r.pick([0x27, 0x28, 0x29, 0x2c, 0x3a, 0x7b, 0x7d, 0x2d, 0x30 + r.int(10), r.int(256)]);
  }
  return b;
}

// ------------------------------------------------------------------ pickle edits

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

const su = (s: string): Uint8Array => concat(Uint8Array.from([0x8c, s.length]), strToU8(s));

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

function pickleEdit(src: Uint8Array, r: FuzzRng): Uint8Array {
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

// ------------------------------------------------------------------ torch bundle edits

function bundleEdit(seeds: Seeds, r: FuzzRng): Uint8Array {
  const outer = unzipSync(seeds.bundle);
  const names = Object.keys(outer);
  const pth = unzipSync(outer['diffraction_to_obj/model.pth']);
  const pthNames = Object.keys(pth);
  const rebuildPth = (files: Record<string, Uint8Array>) => zipSync(files, { level: 0 });
  const put = (name: string, data: Uint8Array | null) => {
    const o: Record<string, Uint8Array> = { ...outer };
    if (data) o[name] = data;
    else delete o[name];
    return zipSync(o, { level: r.chance(0.5) ? 6 : 0 });
  };
  switch (r.int(8)) {
    case 0: {
      // pickle edits of model.pth's data.pkl
      const pkl = pthNames.find((n) => n.endsWith('data.pkl'))!;
      return put('diffraction_to_obj/model.pth', rebuildPth({ ...pth, [pkl]: pickleEdit(pth[pkl], r) }));
    }
    case 1: // pickle edits of manifest.dill / params.dill
      return put(
        r.pick(['manifest.dill', 'diffraction_to_obj/params.dill']),
        pickleEdit(outer[r.pick(['manifest.dill', 'diffraction_to_obj/params.dill'])], r),
      );
    case 2: {
      // torch_scaling_metadata.pt: its pickle, or the nested zip itself
      const meta = unzipSync(outer['torch_scaling_metadata.pt']);
      const pkl = Object.keys(meta).find((n) => n.endsWith('data.pkl'))!;
      return put(
        'torch_scaling_metadata.pt',
        r.chance(0.5)
          ? rebuildPth({ ...meta, [pkl]: pickleEdit(meta[pkl], r) })
          : zipEdit(membersOf(outer['torch_scaling_metadata.pt']), r),
      );
    }
    case 3: // zip edits of the nested model.pth
      return put('diffraction_to_obj/model.pth', zipEdit(membersOf(outer['diffraction_to_obj/model.pth']), r));
    case 4: {
      // storages: truncated, dropped, emptied, swapped
      const st = pthNames.filter((n) => n.includes('/data/'));
      const s = r.pick(st);
      const files = { ...pth };
      const how = r.int(3);
      if (how === 0) files[s] = files[s].subarray(0, r.int(files[s].length));
      else if (how === 1) delete files[s];
      else files[s] = new Uint8Array(0);
      return put('diffraction_to_obj/model.pth', rebuildPth(files));
    }
    case 5: // members missing or replaced by other members / garbage / the bundle itself
      return put(
        r.pick(names),
        r.pick([null, new Uint8Array(0), outer[r.pick(names)], seeds.bundle, byteFlips(outer[r.pick(names)], r)]),
      );
    case 6: {
      // a tensor record pointing at one storage many times (allocation amplification)
      const big = new Uint8Array(4096 * 4);
      const entries: Uint8Array[] = [];
      const count = r.pick([4, 64, 2000, 20000]);
      const head = concat(
        Uint8Array.from([0x80, 2]),
        strToU8('ccollections\nOrderedDict\n'),
        Uint8Array.from([0x29, 0x52, 0x28]),
      );
      for (let k = 0; k < count; k++) {
        entries.push(
          su(`t${k}`),
          strToU8('ctorch._utils\n_rebuild_tensor_v2\n'),
          Uint8Array.from([0x28, 0x28]),
          su('storage'),
          strToU8('ctorch\nFloatStorage\n'),
          su('0'),
          su('cpu'),
          Uint8Array.from([
            0x4d, 0x00, 0x10, 0x74, 0x51, 0x4b, 0, 0x4d, 0x00, 0x10, 0x85, 0x4b, 1, 0x85, 0x89, 0x29, 0x74, 0x52,
          ]),
        );
      }
      const pkl = concatAll([head, ...entries, Uint8Array.from([0x75, 0x2e])]);
      return put('diffraction_to_obj/model.pth', torchSaveZip('model', pkl, [['0', big]]));
    }
    default: // structural edits of the outer zip
      return zipEdit(membersOf(seeds.bundle), r);
  }
}

// ------------------------------------------------------------------ model archive edits

const JSON_VALUES: unknown[] = [null, [], {}, 'x', 0, -1, 1e308, true, [1, 2], { format: 'ptychopinn-web-model' }];

function archiveEdit(seeds: Seeds, r: FuzzRng): Uint8Array {
  const files = unzipSync(seeds.archive);
  const put = (name: string, data: Uint8Array | null) => {
    const o: Record<string, Uint8Array> = { ...files };
    if (data) o[name] = data;
    else delete o[name];
    return zipSync(o, { level: 6 });
  };
  const editJson = (name: string, f: (o: Record<string, unknown>) => unknown) =>
    put(name, strToU8(JSON.stringify(f(JSON.parse(strFromU8(files[name]))))));
  const weights = (): Record<string, NdArray> => {
    const a = readArrayFile(files['diffraction_to_obj/weights.npz']);
    return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, { ...v, data: (v.data as Float32Array).slice() }]));
  };
  const keys = () => Object.keys(weights());
  switch (r.int(10)) {
    case 0:
      return put('manifest.json', strToU8(JSON.stringify(r.pick(JSON_VALUES)))); // manifest.json = null, a list, …
    case 1:
      return editJson('manifest.json', (m) => ({
        ...m,
        [r.pick(['version', 'models', 'backend', 'seed', 'appVersion', 'createdAt', 'datasetSha256', 'format'])]:
          r.pick(JSON_VALUES),
      })); // a wrong type
    case 2:
      return editJson('config.json', (c) =>
        r.chance(0.5)
          ? { ...c, [r.pick(['model', 'training', 'inference'])]: r.pick(JSON_VALUES) }
          : {
              ...c,
              model: {
                ...(c.model as object),
                [r.pick(['N', 'gridsize', 'n_filters_scale', 'object_big', 'probe_big', 'architecture'])]: r.pick([
                  ...JSON_VALUES,
                  17,
                  128,
                  3,
                  0.3,
                ]),
              },
            },
      );
    case 3:
      return editJson(r.pick(['params.json', 'history.json']), () =>
        r.pick([...JSON_VALUES, [{ epoch: 'x' }], [null], { intensity_scale: 'NaN' }]),
      );
    case 4:
      return put(
        r.pick(['manifest.json', 'config.json', 'params.json', 'history.json']),
        r.pick([strToU8('{"a":'), strToU8('['.repeat(100000)), new Uint8Array([0xff, 0xfe, 0x00]), strToU8('NaN')]),
      ); // not JSON
    case 5: {
      // NaN / Inf weights
      const w = weights();
      const k = r.pick(Object.keys(w));
      (w[k].data as Float32Array)[r.int(w[k].data.length)] = r.pick([NaN, Infinity, -Infinity]);
      return put('diffraction_to_obj/weights.npz', writeNpz(w));
    }
    case 6: {
      // a weight flattened, reshaped, transposed, truncated, missing, or of another dtype
      const w = weights();
      const k = r.pick(Object.keys(w));
      const v = w[k];
      const n = v.data.length;
      const how = r.int(5);
      if (how === 0) w[k] = { ...v, shape: [n] };
      else if (how === 1) w[k] = { ...v, shape: [...v.shape].reverse() };
      else if (how === 2) w[k] = { ...v, shape: [n - 1 || 1], data: (v.data as Float32Array).slice(0, n - 1 || 1) };
      else if (how === 3) delete w[k];
      else w[k] = { dtype: 'f64', shape: v.shape, data: Float64Array.from(v.data as Float32Array) };
      return put('diffraction_to_obj/weights.npz', writeNpz(w));
    }
    case 7: // weights.npz through the npz mutators
      return put(
        'diffraction_to_obj/weights.npz',
        r.chance(0.5)
          ? zipEdit(membersOf(files['diffraction_to_obj/weights.npz']), r)
          : byteFlips(files['diffraction_to_obj/weights.npz'], r),
      );
    case 8:
      return put(r.pick([...Object.keys(files), keys()[0]]), null); // a member missing
    default:
      return zipEdit(membersOf(seeds.archive), r); // structural zip edits
  }
}

// ------------------------------------------------------------------ classes

export interface FuzzClass {
  name: string;
  /** One case: the input and the reader it goes to. */
  make: (seeds: Seeds, r: FuzzRng) => { input: Uint8Array; reader: ReaderName };
}

const ALL_FILES = (s: Seeds): [Uint8Array, ReaderName[]][] => [
  [s.npz, ['readArrayFile', 'listNpz']],
  [s.npzDeflate, ['readArrayFile', 'listNpz']],
  [s.npy, ['readArrayFile', 'listNpz']],
  [s.manifestDill, ['readPickledDict']],
  [s.paramsDill, ['readPickledDict']],
  [s.modelPth, ['readTorchStateDict']],
  [s.bundle, ['readTorchBundle', 'readModelFile', 'fileKind']],
  [s.archive, ['readModelArchive', 'readModelFile', 'fileKind']],
];

export const CLASSES: FuzzClass[] = [
  {
    name: 'byte-flip',
    make: (s, r) => {
      const [b, rs] = r.pick(ALL_FILES(s));
      return { input: byteFlips(b, r), reader: r.pick(rs) };
    },
  },
  {
    name: 'truncate',
    make: (s, r) => {
      const [b, rs] = r.pick(ALL_FILES(s));
      return { input: truncate(b, r), reader: r.pick(rs) };
    },
  },
  {
    name: 'npy-header',
    make: (s, r) => {
      const npy = npyEdit(r.chance(0.2) ? s.npyFortran : s.npy, r);
      if (r.chance(0.4)) return { input: npy, reader: r.pick(['readArrayFile', 'listNpz'] as const) };
      // The edited array as an NPZ member (sizes and CRC right, so the edit reaches the NPY parser).
      return {
        input: buildZip([
          { name: 'diff3d.npy', data: npy, deflate: r.chance(0.5) },
          { name: 'xcoords.npy', data: writeNpy({ dtype: 'f64', shape: [1], data: Float64Array.from([1]) }) },
        ]).bytes,
        reader: r.pick(['readArrayFile', 'listNpz'] as const),
      };
    },
  },
  {
    name: 'zip-struct',
    make: (s, r) => {
      const [b, rs] = r.pick([
        [s.npz, ['readArrayFile', 'listNpz']],
        [s.npzDeflate, ['readArrayFile', 'listNpz']],
        [s.modelPth, ['readTorchStateDict']],
        [s.bundle, ['readTorchBundle', 'readModelFile', 'fileKind']],
        [s.archive, ['readModelArchive', 'readModelFile', 'fileKind']],
      ] as [Uint8Array, ReaderName[]][]);
      return { input: zipEdit(membersOf(b), r), reader: r.pick(rs) };
    },
  },
  {
    name: 'pickle',
    make: (s, r) => ({
      input: pickleEdit(r.chance(0.5) ? s.manifestDill : s.paramsDill, r),
      reader: 'readPickledDict',
    }),
  },
  {
    name: 'torch-pth',
    make: (s, r) => {
      const files = unzipSync(s.modelPth);
      const pkl = Object.keys(files).find((n) => n.endsWith('data.pkl'))!;
      return {
        input: zipSync({ ...files, [pkl]: pickleEdit(files[pkl], r) }, { level: 0 }),
        reader: 'readTorchStateDict',
      };
    },
  },
  {
    name: 'torch-bundle',
    make: (s, r) => ({
      input: bundleEdit(s, r),
      reader: r.pick(['readTorchBundle', 'readTorchBundle', 'readModelFile'] as const),
    }),
  },
  {
    name: 'model-archive',
    make: (s, r) => ({
      input: archiveEdit(s, r),
      reader: r.pick(['readModelArchive', 'readModelFile', 'readModelFile'] as const),
    }),
  },
];

// ------------------------------------------------------------------ runner

export interface ClassStats {
  cases: number;
  accepted: number;
  refused: number;
  crash: number;
  slow: number;
  big: number;
  /** First few failures (crash / slow / big), for the report. */
  examples: string[];
  maxMs: number;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  ms: number;
  byClass: Record<string, ClassStats>;
}

/** Run `cases` cases spread round-robin over the classes, each drawn from its own sub-seed (reproducible one by one). */
export function runFuzz(opts: {
  cases: number;
  seed: number;
  classes?: string[];
  seeds?: Seeds;
  onCase?: (i: number) => void;
}): FuzzReport {
  const seeds = opts.seeds ?? makeSeeds();
  const classes = CLASSES.filter((c) => !opts.classes || opts.classes.includes(c.name));
  const byClass: Record<string, ClassStats> = {};
  for (const c of classes)
    byClass[c.name] = { cases: 0, accepted: 0, refused: 0, crash: 0, slow: 0, big: 0, examples: [], maxMs: 0 };
  const t0 = performance.now();
  for (let i = 0; i < opts.cases; i++) {
    const cls = classes[i % classes.length];
    const caseSeed = (Math.imul(opts.seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(i, 0xc2b2ae35)) >>> 0;
    const r = new FuzzRng(caseSeed);
    const st = byClass[cls.name];
    st.cases++;
    let made: { input: Uint8Array; reader: ReaderName };
    try {
      made = cls.make(seeds, r);
    } catch (e) {
      st.crash++;
      if (st.examples.length < 5)
        st.examples.push(`case ${i} (seed ${caseSeed}): mutator failed: ${(e as Error).stack ?? e}`);
      continue;
    }
    const res = fuzzCase(made.input, READERS[made.reader]);
    st[res.outcome]++;
    st.maxMs = Math.max(st.maxMs, res.ms);
    if ((res.outcome === 'crash' || res.outcome === 'slow' || res.outcome === 'big') && st.examples.length < 5) {
      const e = res.error;
      const msg = e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 300) : String(e);
      st.examples.push(
        `case ${i} (${made.reader}, ${made.input.length} B, ${res.ms.toFixed(0)} ms, +${(res.grew / 2 ** 20).toFixed(1)} MiB): ${res.outcome}: ${msg}`,
      );
    }
    opts.onCase?.(i);
  }
  return { seed: opts.seed, cases: opts.cases, ms: performance.now() - t0, byClass };
}

/** A fixed-width table of a report (one row per class, then the totals). */
export function formatReport(rep: FuzzReport): string {
  const cols = ['class', 'cases', 'accepted', 'refused', 'crash', 'slow', 'big', 'max ms'];
  const rows = Object.entries(rep.byClass).map(([k, s]) =>
    [k, s.cases, s.accepted, s.refused, s.crash, s.slow, s.big, s.maxMs.toFixed(0)].map(String),
  );
  const tot = Object.values(rep.byClass).reduce(
    (a, s) => ({
      cases: a.cases + s.cases,
      accepted: a.accepted + s.accepted,
      refused: a.refused + s.refused,
      crash: a.crash + s.crash,
      slow: a.slow + s.slow,
      big: a.big + s.big,
      maxMs: Math.max(a.maxMs, s.maxMs),
    }),
    { cases: 0, accepted: 0, refused: 0, crash: 0, slow: 0, big: 0, maxMs: 0 },
  );
  rows.push(
    ['total', tot.cases, tot.accepted, tot.refused, tot.crash, tot.slow, tot.big, tot.maxMs.toFixed(0)].map(String),
  );
  const w = cols.map((c, j) => Math.max(c.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((x, j) => (j === 0 ? x.padEnd(w[j]) : x.padStart(w[j]))).join('  ');
  const lines = [
    `reader fuzz: seed ${rep.seed}, ${rep.cases} cases in ${(rep.ms / 1000).toFixed(1)} s`,
    line(cols),
    ...rows.map(line),
  ];
  for (const [k, s] of Object.entries(rep.byClass)) for (const e of s.examples) lines.push(`  ${k}: ${e}`);
  return lines.join('\n');
}
