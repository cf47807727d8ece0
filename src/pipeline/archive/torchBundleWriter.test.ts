/**
 * The torch bundle writer (src/pipeline/archive/torchBundleWriter.ts; format in specs/model_archive.md): round trips of
 * the reference fixture, torch's state_dict pickle byte for byte, derived _metadata, and only the fixture's opcodes.
 * Conversion of this app's archives to bundles is tested with the api layer (src/api/modelFiles.test.ts).
 */
import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readTorchBundle, readTorchStateDictWithMetadata, unzipArchive, type StateTensor } from './torchBundle';
import { listOpcodes } from './pickleOpcodes';
import { deriveStateDictMetadata, writeTorchBundle, writeTorchStateDict } from './torchBundleWriter';

const FIXTURE = 'tests/fixtures/torch/wts_n64_s1_gs1.h5.zip';
const fixture = () => new Uint8Array(readFileSync(FIXTURE));
const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Member names in zip (central-directory) order. */
function memberNames(zip: Uint8Array): string[] {
  return Object.keys(unzipArchive(zip, 'z', 'zip', ''));
}

describe('writeTorchBundle', () => {
  it('round-trips the reference fixture: tensors, params, manifest, scaling metadata and member layout', () => {
    const orig = readTorchBundle(fixture(), FIXTURE);
    const out = writeTorchBundle(orig);
    const again = readTorchBundle(out, 'rewritten');

    expect([...again.stateDict.keys()]).toEqual([...orig.stateDict.keys()]);
    for (const [k, t] of orig.stateDict) {
      const u = again.stateDict.get(k)!;
      expect(u.shape, k).toEqual(t.shape);
      expect(Buffer.from(bytesOf(u.data)).equals(Buffer.from(bytesOf(t.data))), k).toBe(true);
    }
    expect(again.params).toEqual(orig.params);
    for (const [k, v] of Object.entries(orig.params)) expect(Object.is(again.params[k], v), k).toBe(true);
    expect(again.manifest).toEqual(orig.manifest);
    expect(again.scalingMetadata).toEqual(orig.scalingMetadata);

    const f = unzipArchive(fixture(), FIXTURE, 'zip', '');
    const o = unzipArchive(out, 'rewritten', 'zip', '');
    expect(memberNames(out)).toEqual(memberNames(fixture()));
    for (const m of ['diffraction_to_obj/model.pth', 'autoencoder/model.pth', 'torch_scaling_metadata.pt']) {
      expect(memberNames(o[m]), m).toEqual(memberNames(f[m]));
    }
    // the autoencoder sentinel and the storages are byte-identical to torch's
    expect(unzipArchive(o['autoencoder/model.pth'], 'a', 'zip', '')).toEqual(
      unzipArchive(f['autoencoder/model.pth'], 'a', 'zip', ''),
    );
    const fi = unzipArchive(f['diffraction_to_obj/model.pth'], 'f', 'zip', '');
    const oi = unzipArchive(o['diffraction_to_obj/model.pth'], 'o', 'zip', '');
    for (const n of Object.keys(fi))
      if (n.includes('/data/') || n.endsWith('version'))
        expect(Buffer.from(oi[n]).equals(Buffer.from(fi[n])), n).toBe(true);
  });

  it("writes torch's state_dict pickle byte for byte, _metadata included, when the source's metadata is kept", () => {
    const orig = readTorchBundle(fixture(), FIXTURE);
    expect(orig.stateDictMetadata?.length).toBe(101);
    expect(orig.stateDictMetadata?.[0]).toEqual(['', { version: 1 }]);
    const torchPkl = unzipArchive(
      unzipArchive(fixture(), FIXTURE, 'zip', '')['diffraction_to_obj/model.pth'],
      'f',
      'zip',
      '',
    )['model/data.pkl'];
    const ours = unzipArchive(writeTorchStateDict(orig.stateDict, 'model', orig.stateDictMetadata), 'o', 'zip', '')[
      'model/data.pkl'
    ];
    expect(Buffer.from(ours).equals(Buffer.from(torchPkl))).toBe(true);
  });

  it("derives _metadata from the parameter names: every module prefix in first-seen order, {version: 1}, a subset of torch's", () => {
    const orig = readTorchBundle(fixture(), FIXTURE);
    const derived = deriveStateDictMetadata(orig.stateDict.keys());
    expect(derived[0]).toEqual(['', { version: 1 }]);
    expect(derived.map(([p]) => p)).toContain('model.autoencoder.encoder.blocks.0.conv1');
    const torchOrder = orig.stateDictMetadata!.map(([p]) => p);
    const names = derived.map(([p]) => p);
    expect(torchOrder.filter((p) => names.includes(p))).toEqual(names);
    const { metadata } = readTorchStateDictWithMetadata(writeTorchStateDict(orig.stateDict), 'derived');
    expect(metadata).toEqual(derived);
  });

  it('uses only opcodes that occur in the fixture pickles', () => {
    const collect = (zip: Uint8Array) => {
      const ops = new Set<number>();
      for (const [name, b] of Object.entries(unzipArchive(zip, 'z', 'zip', ''))) {
        if (name.endsWith('.dill')) listOpcodes(b).forEach((x) => ops.add(x));
        else
          for (const [n, ib] of Object.entries(unzipArchive(b, name, 'zip', '')))
            if (n.endsWith('.pkl')) listOpcodes(ib).forEach((x) => ops.add(x));
      }
      return ops;
    };
    const allowed = collect(fixture());
    const used = collect(writeTorchBundle(readTorchBundle(fixture(), FIXTURE)));
    expect([...used].filter((o) => !allowed.has(o))).toEqual([]);
  });

  it('writes complex tensors as ComplexFloatStorage, aliases as one storage and 0-d tensors; reads them back', () => {
    const cdata = Float32Array.from({ length: 12 }, (_, i) => 0.5 * i - 2.75);
    const complex = { shape: [2, 3, 2], data: cdata, complex: true };
    const gate = { shape: [], data: Float32Array.of(0.125) };
    const sd = new Map<string, StateTensor>([
      ['a.w', complex],
      ['a.gate', gate],
      ['b.w', complex],
      ['c', { shape: [2], data: Float32Array.of(1, -1) }],
      ['b.gate', gate],
    ]);
    const zip = writeTorchStateDict(sd);
    const files = unzipArchive(zip, 'z', 'zip', '');
    expect(Object.keys(files).filter((n) => n.includes('/data/'))).toEqual([
      'model/data/0',
      'model/data/1',
      'model/data/2',
    ]);
    expect(files['model/data/0'].byteLength).toBe(6 * 8);
    expect(Buffer.from(files['model/data.pkl']).includes('torch\nComplexFloatStorage\n')).toBe(true);
    const back = readTorchStateDictWithMetadata(zip, 'z').stateDict;
    expect([...back.keys()]).toEqual([...sd.keys()]);
    for (const [k, t] of sd) {
      const u = back.get(k)!;
      expect([k, u.shape, Boolean(u.complex)]).toEqual([k, t.shape, Boolean(t.complex)]);
      expect(Array.from(u.data), k).toEqual(Array.from(t.data));
    }
    expect(back.get('b.w')).toBe(back.get('a.w')); // one storage, one view: one tensor
  });

  it('refuses a complex tensor that reads past its storage, counting 8 bytes per element', () => {
    const zip = writeTorchStateDict(new Map([['w', { shape: [3, 2], data: new Float32Array(6), complex: true }]]));
    const files = unzipArchive(zip, 'z', 'zip', '');
    files['model/data/0'] = files['model/data/0'].subarray(0, 20); // 2.5 complex elements of 3
    const cut = zipSync(files, { level: 0 });
    expect(() => readTorchStateDictWithMetadata(cut, 'cut.pth')).toThrow(
      /cut\.pth:model\/data\.pkl: tensor of shape \(3\) in model\/data\/0 needs more than the 20 bytes stored/,
    );
  });
});
