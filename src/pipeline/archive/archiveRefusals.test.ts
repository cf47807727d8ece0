/**
 * Refusals of damaged model files (src/pipeline/archive/torchBundle.ts, src/pipeline/archive/modelArchive.ts;
 * formats in specs/model_archive.md): tensors bounded by their storage member, a damaged torch_scaling_metadata.pt
 * named in the error, and model-archive JSON validated member by member (sizes capped, the config validated first).
 */
import { readFileSync } from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readModelArchive, writeModelArchive, ARCHIVE_FORMAT, type ModelArchive } from './modelArchive';
import { enc, J, K, modelPth, pk, PROTO2, refuses, refusesSmall, STOP, tup, X } from '../../testing/pickleKit';
import { readTorchBundle, readTorchStateDict } from './torchBundle';

const bundleBytes = new Uint8Array(
  readFileSync(new URL('../../../tests/fixtures/torch/wts_n64_s1_gs1.h5.zip', import.meta.url)),
);

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
    const e = refuses(() =>
      readTorchStateDict(
        modelPth({ offset: K(0), size: tup(J(2 ** 28)), stride: tup(K(1)), storageBytes: 16 }),
        'm.pth',
      ),
    );
    expect(e.message).toContain('m.pth');
    expect(e.message).toContain('archive/data/0');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });
  it('stride 0 (broadcast) cannot inflate a tiny storage either (refused before 2^28 values are built)', () => {
    const { grew } = refusesSmall(() =>
      readTorchStateDict(
        modelPth({ offset: K(0), size: tup(J(2 ** 28)), stride: tup(K(0)), storageBytes: 16 }),
        'm.pth',
      ),
    );
    expect(grew).toBeLessThan(32 * 2 ** 20);
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
  for (const [name, o] of badArgs) it(name, () => void refuses(() => readTorchStateDict(modelPth(o), 'm.pth')));
});

describe('defect 5: a damaged torch_scaling_metadata.pt is a PtychoError naming the member', () => {
  const members = unzipSync(bundleBytes);
  const withMeta = (meta: Uint8Array) => zipSync({ ...members, 'torch_scaling_metadata.pt': meta }, { level: 0 });
  it('not a zip', () => {
    expect(refuses(() => readTorchBundle(withMeta(new Uint8Array([1, 2, 3, 4, 5])), 'b.zip')).message).toContain(
      'torch_scaling_metadata.pt',
    );
  });
  it('a zip whose data.pkl is garbage or not a dict', () => {
    expect(
      refuses(() => readTorchBundle(withMeta(zipSync({ 'a/data.pkl': pk(PROTO2, 0xff) })), 'b.zip')).message,
    ).toContain('torch_scaling_metadata.pt');
    expect(
      refuses(() => readTorchBundle(withMeta(zipSync({ 'a/data.pkl': pk(PROTO2, K(1), STOP) })), 'b.zip')).message,
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
  it('an invalid config (gridsize −3, n_filters_scale "x") is refused naming the field, before the weights are read', () => {
    for (const [model, field, seen] of [
      [{ N: 64, gridsize: -3 }, 'model.gridsize', '-3'],
      [{ N: 64, n_filters_scale: 'x' }, 'model.n_filters_scale', '"x"'],
    ] as const) {
      const text = JSON.stringify({ model, training: { nepochs: 1 } });
      // The weights member is garbage too: the config is reported first.
      const z = zipSync({
        ...good,
        'config.json': enc.encode(text),
        'diffraction_to_obj/weights.npz': enc.encode('x'),
      });
      const e = refuses(() => readModelArchive(z, 'm.zip'));
      expect(e.message).toBe(`m.zip: config.json: config field '${field}' has invalid value ${seen}`);
      expect(e.field).toBe(field);
      expect(e.hint).toMatch(/^allowed: .+; the archive's config is damaged/);
    }
  });
  it('a 16 MiB manifest.json is refused from its declared size, before it is inflated or parsed', () => {
    const big = enc.encode(JSON.stringify({ ...base.manifest, appVersion: ' '.repeat(16 * 2 ** 20) }));
    const z = zipSync({ ...good, 'manifest.json': big }, { level: 9 });
    expect(z.length).toBeLessThan(64 * 1024);
    const { error, grew } = refusesSmall(() => readModelArchive(z, 'm.zip'));
    expect(error.message).toMatch(/^m\.zip: manifest\.json is 16777\d+ bytes, more than the 1048576-byte cap/);
    expect(grew).toBeLessThan(8 * 2 ** 20);
    // Just under the cap still reads.
    const ok = enc.encode(JSON.stringify({ ...base.manifest, appVersion: 'v'.repeat(2 ** 20 - 400) }));
    expect(readModelArchive(zipSync({ ...good, 'manifest.json': ok }), 'm.zip').manifest.appVersion).toHaveLength(
      2 ** 20 - 400,
    );
  });
  it('a zip member declaring a huge size is refused before inflating', () => {
    const z = zipSync({ 'manifest.json': enc.encode('{}') }, { level: 0 });
    // Patch the central directory's uncompressed size (offset 24 in the CD header) to 2 GiB.
    const cd = z.findLastIndex((_, i) => z[i] === 0x50 && z[i + 1] === 0x4b && z[i + 2] === 1 && z[i + 3] === 2);
    new DataView(z.buffer).setUint32(cd + 24, 2 ** 31, true);
    refuses(() => readModelArchive(z, 'm.zip'));
  });
});
