import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTorchBundle, unzipArchive } from './torchBundle';
import { listOpcodes } from './pickleWriter';
import { writeTorchBundle, writeTorchStateDict } from './torchBundleWriter';

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
    expect(unzipArchive(o['autoencoder/model.pth'], 'a', 'zip', '')).toEqual(unzipArchive(f['autoencoder/model.pth'], 'a', 'zip', ''));
    const fi = unzipArchive(f['diffraction_to_obj/model.pth'], 'f', 'zip', '');
    const oi = unzipArchive(o['diffraction_to_obj/model.pth'], 'o', 'zip', '');
    for (const n of Object.keys(fi)) if (n.includes('/data/') || n.endsWith('version')) expect(Buffer.from(oi[n]).equals(Buffer.from(fi[n])), n).toBe(true);
  });

  it("writes torch's state_dict pickle byte for byte up to the _metadata attribute", () => {
    const orig = readTorchBundle(fixture(), FIXTURE);
    const torchPkl = unzipArchive(unzipArchive(fixture(), FIXTURE, 'zip', '')['diffraction_to_obj/model.pth'], 'f', 'zip', '')['model/data.pkl'];
    const ours = unzipArchive(writeTorchStateDict(orig.stateDict), 'o', 'zip', '')['model/data.pkl'];
    // torch: … SETITEMS, then EMPTY_DICT '_metadata' … SETITEM BUILD STOP; ours stops after SETITEMS.
    const n = ours.length - 1;
    expect(torchPkl[n - 1]).toBe(0x75);
    expect(Buffer.from(ours.subarray(0, n)).equals(Buffer.from(torchPkl.subarray(0, n)))).toBe(true);
    expect(ours[n]).toBe(0x2e);
  });

  it('uses only opcodes that occur in the fixture pickles', () => {
    const collect = (zip: Uint8Array) => {
      const ops = new Set<number>();
      for (const [name, b] of Object.entries(unzipArchive(zip, 'z', 'zip', ''))) {
        if (name.endsWith('.dill')) listOpcodes(b).forEach((x) => ops.add(x));
        else for (const [n, ib] of Object.entries(unzipArchive(b, name, 'zip', ''))) if (n.endsWith('.pkl')) listOpcodes(ib).forEach((x) => ops.add(x));
      }
      return ops;
    };
    const allowed = collect(fixture());
    const used = collect(writeTorchBundle(readTorchBundle(fixture(), FIXTURE)));
    expect([...used].filter((o) => !allowed.has(o))).toEqual([]);
  });
});
