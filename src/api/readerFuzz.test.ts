/**
 * Seeded fuzzing of every reader that takes strangers' files (src/testing/fuzz/harness.ts; `npm run fuzz` for long runs).
 * Each case must be accepted or refused with a PtychoError carrying a code: never another exception, never > 1 s,
 * never an allocation beyond the input-derived cap.
 */
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { PtychoError } from '../errors';
import { readTorchStateDict } from '../pipeline/archive/torchBundle';
import { torchSaveZip } from '../pipeline/archive/torchBundleWriter';
import { readArrayFile, readNpz, writeNpz } from '../pipeline/npz';
import { CLASSES } from '../testing/fuzz/classes';
import { formatReport, fuzzCase, READERS, runFuzz } from '../testing/fuzz/harness';
import { makeSeeds } from '../testing/fuzz/seeds';
import { buildZip } from '../testing/fuzz/zipEdit';
import { fileKind, readModelFile } from './modelFiles';

const seeds = makeSeeds();

function refusedWith(b: Uint8Array, reader: (b: Uint8Array) => unknown): PtychoError {
  const r = fuzzCase(b, reader);
  expect(r.outcome, String(r.error)).toBe('refused');
  return r.error as PtychoError;
}

describe('reader fuzz', () => {
  it('the seeds are read as they are', () => {
    for (const [name, reader] of [
      ['npz', 'readArrayFile'],
      ['npzDeflate', 'listNpz'],
      ['npy', 'readArrayFile'],
      ['manifestDill', 'readPickledDict'],
      ['paramsDill', 'readPickledDict'],
      ['modelPth', 'readTorchStateDict'],
      ['bundle', 'readTorchBundle'],
      ['archive', 'readModelFile'],
    ] as const) {
      expect(fuzzCase(seeds[name], READERS[reader]).outcome, name).toBe('accepted');
    }
    expect(fileKind(seeds.archive)).toBe('model-native');
    expect(fileKind(seeds.bundle)).toBe('model-torch');
  });

  it('truncation at every offset of an NPZ and a pickle', () => {
    for (const [b, reader] of [
      [seeds.npz, READERS.readArrayFile],
      [seeds.paramsDill, READERS.readPickledDict],
    ] as const) {
      for (let n = 0; n < b.length; n++)
        expect(['accepted', 'refused']).toContain(fuzzCase(b.subarray(0, n), reader).outcome);
    }
  });

  it('3200 seeded cases over every class: accepted or PtychoError, fast, bounded memory', () => {
    const rep = runFuzz({ cases: 3200, seed: 20240611, seeds });
    console.log(formatReport(rep));
    for (const c of CLASSES) {
      const s = rep.byClass[c.name];
      expect(s.cases).toBe(400);
      expect({ cls: c.name, crash: s.crash, slow: s.slow, big: s.big, examples: s.examples }).toEqual({
        cls: c.name,
        crash: 0,
        slow: 0,
        big: 0,
        examples: [],
      });
      expect(s.refused, `${c.name} refuses something`).toBeGreaterThan(0);
    }
  }, 120_000);
});

describe('defects the fuzzer found stay fixed', () => {
  it('a ZIP64 end record declaring 2^32−1 entries: fileKind answers at once (fflate looped 4 billion times)', () => {
    const z = buildZip([{ name: 'manifest.json', data: strToU8('{}') }]);
    const head = z.bytes.subarray(0, z.eocd);
    const z64 = new Uint8Array(56);
    const dv = new DataView(z64.buffer);
    dv.setUint32(0, 0x06064b50, true);
    dv.setBigUint64(32, 0xffffffffn, true);
    dv.setBigUint64(40, 0xffffffffn, true);
    const loc = new Uint8Array(20);
    new DataView(loc.buffer).setUint32(0, 0x07064b50, true);
    new DataView(loc.buffer).setBigUint64(8, BigInt(head.length), true);
    const b = new Uint8Array([...head, ...z64, ...loc, ...z.bytes.subarray(z.eocd)]);
    expect(fileKind(b)).toBe('dataset');
    expect(refusedWith(b, READERS.readModelArchive).code).toBe('model-archive');
  });

  it('model archives: duplicate members, "../" names, "__proto__" members and CRC errors are refused', () => {
    const files = unzipSync(seeds.archive);
    const members = Object.entries(files).map(([name, data]) => ({ name, data }));
    const dup = buildZip([...members, { name: 'manifest.json', data: strToU8('{"format": "other"}') }]).bytes;
    expect(refusedWith(dup, READERS.readModelArchive).message).toMatch(/manifest\.json appears twice/);
    const dots = buildZip([...members, { name: '../manifest.json', data: files['manifest.json'] }]).bytes;
    expect(refusedWith(dots, READERS.readModelArchive).message).toMatch(/"\.\." path component/);
    const crc = buildZip(members);
    new DataView(crc.bytes.buffer).setUint32(crc.cds[0] + 16, 0x12345678, true);
    expect(refusedWith(crc.bytes, READERS.readModelArchive).message).toMatch(/CRC-32/);
  });

  it('one storage referenced by thousands of tensor records cannot multiply into gigabytes', () => {
    const rec = (k: number) => [
      ...strToU8(
        `\x8c${String.fromCharCode(`t${k}`.length)}t${k}ctorch._utils\n_rebuild_tensor_v2\n((\x8c\x07storagectorch\nFloatStorage\n\x8c\x010\x8c\x03cpuM\x00\x10tQK\x00M\x00\x10\x85K\x01\x85\x89)tR`,
        true,
      ),
    ];
    const body: number[] = [];
    for (let k = 0; k < 3000; k++) body.push(...rec(k));
    const pkl = new Uint8Array([0x80, 2, ...strToU8('ccollections\nOrderedDict\n)R(', true), ...body, 0x75, 0x2e]);
    const pth = torchSaveZip('model', pkl, [['0', new Uint8Array(4096 * 4)]]);
    const e = refusedWith(pth, (b) => readTorchStateDict(b, 'm.pth'));
    expect(e.message).toMatch(/tensors together would take \d+ bytes from 16384 bytes of storage/);
  });

  const archiveWith = (edit: (w: Record<string, ReturnType<typeof readArrayFile>[string]>) => void): Uint8Array => {
    const files = unzipSync(seeds.archive);
    const w = readNpz(files['diffraction_to_obj/weights.npz']);
    edit(w);
    return zipSync({ ...files, 'diffraction_to_obj/weights.npz': writeNpz(w) });
  };
  const firstConv = 'model.autoencoder.encoder.blocks.0.conv1.weight';

  it('a model archive with a NaN or Inf weight is refused, naming the weight and index', () => {
    for (const v of [NaN, Infinity]) {
      const b = archiveWith((w) => void ((w[firstConv].data as Float32Array)[5] = v));
      const e = refusedWith(b, (x) => readModelFile(x, 'nan.zip'));
      expect(e.code).toBe('model-archive');
      expect(e.message).toContain(`nan.zip: weight ${firstConv} holds ${v} at flat index 5`);
      expect(e.hint).toMatch(/retrain|checkpoint/);
    }
  });

  it('a flattened, transposed or missing weight is refused with the shape seen and expected', () => {
    const flat = archiveWith((w) => void (w[firstConv] = { ...w[firstConv], shape: [w[firstConv].data.length] }));
    expect(refusedWith(flat, (x) => readModelFile(x, 'flat.zip')).message).toMatch(
      /flat\.zip: weight model\.autoencoder\.encoder\.blocks\.0\.conv1\.weight has shape \(72\), expected \(8, 1, 3, 3\)/,
    );
    const missing = archiveWith((w) => void delete w[firstConv]);
    expect(refusedWith(missing, (x) => readModelFile(x, 'm.zip')).message).toMatch(/weight .*conv1\.weight is missing/);
  });

  it('a config that describes no buildable generator (N=17) is refused as a model-archive error naming the field', () => {
    const files = unzipSync(seeds.archive);
    const c = JSON.parse(strFromU8(files['config.json']));
    c.model.N = 17;
    const b = zipSync({ ...files, 'config.json': strToU8(JSON.stringify(c)) });
    const e = refusedWith(b, (x) => readModelFile(x, 'n17.zip'));
    expect(e.code).toBe('model-archive');
    expect(e.message).toMatch(/n17\.zip: config\.json: config field 'model\.N' has invalid value 17/);
    expect(e.field).toBe('model.N');
  });
});
