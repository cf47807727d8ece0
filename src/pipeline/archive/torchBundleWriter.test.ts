import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildModelArchive, nativeArchiveToTorchBundle, readModelFile } from '../../api/modelFiles';
import { makeTrainingConfig } from '../../config/schema';
import { readTorchBundle, readTorchStateDictWithMetadata, unzipArchive } from './torchBundle';
import { listOpcodes } from './pickleWriter';
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
});

describe('native archive → wts.h5.zip (nativeArchiveToTorchBundle)', () => {
  it('keeps every weight bit, writes the config bridge params (N, gridsize, n_filters_scale, nphotons, intensity_scale, flags) and the scaling metadata', () => {
    const config = makeTrainingConfig({
      nphotons: 1e7,
      batch_size: 8,
      nepochs: 3,
      neighbor_count: 5,
      n_groups: 40,
      intensity_scale_trainable: false,
      model: {
        N: 32,
        gridsize: 2,
        n_filters_scale: 1,
        amp_activation: 'swish',
        object_big: true,
        probe_big: false,
        probe_mask: true,
        probe_scale: 3.5,
        cbam_encoder: false,
      },
    });
    const f = (vals: number[]) => Float32Array.from(vals);
    const weights = new Map([
      ['model.autoencoder.encoder.blocks.0.conv1.weight', { shape: [2, 1, 1, 2], data: f([0.1, -0, 1e-40, -3.25]) }],
      ['model.autoencoder.encoder.blocks.0.conv1.bias', { shape: [2], data: f([Math.PI, -1e30]) }],
      ['model.forward_model.log_scale', { shape: [], data: f([Math.log(123.5)]) }],
    ]);
    const S = 123.45678;
    const native = buildModelArchive({ config, weights, history: [], physicsScale: S, datasetSha256: null });
    const b = readTorchBundle(nativeArchiveToTorchBundle(native, 'm.zip'), 'out.h5.zip');

    expect([...b.stateDict.keys()]).toEqual([...weights.keys()]);
    for (const [k, t] of weights) {
      expect(b.stateDict.get(k)!.shape, k).toEqual(t.shape);
      expect(Buffer.from(bytesOf(b.stateDict.get(k)!.data)).equals(Buffer.from(bytesOf(t.data))), k).toBe(true);
    }
    expect(b.stateDictMetadata).toEqual(deriveStateDictMetadata(weights.keys()));
    expect(b.manifest).toEqual({ models: ['diffraction_to_obj', 'autoencoder'], version: '2.0-pytorch' });
    const p = b.params;
    expect(p).toMatchObject({
      N: 32,
      gridsize: 2,
      n_filters_scale: 1,
      nphotons: 1e7,
      intensity_scale: S,
      model_type: 'pinn',
      amp_activation: 'swish',
      'object.big': true,
      'probe.big': false,
      'probe.mask': true,
      probe_scale: 3.5,
      'intensity_scale.trainable': false,
      'positions.provided': config.positions_provided,
      'probe.trainable': config.probe_trainable,
      batch_size: 8,
      nepochs: 3,
      neighbor_count: 5,
      n_groups: 40,
      backend: 'pytorch',
      loss_function: 'Poisson',
      _version: '2.0-pytorch',
    });
    expect(Object.keys(p).at(-1)).toBe('_version');

    // the same fields back through the app's reader
    const m = readModelFile(nativeArchiveToTorchBundle(native, 'm.zip'), 'out.h5.zip', { checkWeights: false }); // toy weights, not the generator's shapes
    expect(m.kind).toBe('torch');
    expect(m.physicsScale).toBe(S);
    const pick = (c: typeof config) => [
      c.model.N,
      c.model.gridsize,
      c.model.n_filters_scale,
      c.model.amp_activation,
      c.model.object_big,
      c.model.probe_big,
      c.model.probe_mask,
      c.model.probe_scale,
      c.nphotons,
      c.intensity_scale_trainable,
      c.batch_size,
      c.nepochs,
      c.neighbor_count,
      c.n_groups,
    ];
    expect(pick(m.config)).toEqual(pick(config));
    for (const [k, t] of weights)
      expect(Buffer.from(bytesOf(m.weights.get(k)!)).equals(Buffer.from(bytesOf(t.data))), k).toBe(true);

    // torch_scaling_metadata.pt: the four torch configs as create_training_payload builds them
    const md = b.scalingMetadata as Record<string, Record<string, unknown>>;
    expect(md.schema_version).toBe('ci-entrypoints-v1');
    expect(md.ci_statistics).toBeNull();
    expect(md.data_config).toMatchObject({ N: 32, C: 4, K: 5, grid_size: [2, 2], nphotons: 1e7, probe_scale: 3.5 });
    expect(md.model_config).toMatchObject({
      mode: 'Unsupervised',
      n_filters_scale: 1,
      C_model: 4,
      C_forward: 4,
      amp_activation: 'swish',
      object_big: true,
      probe_big: false,
      probe_mask: true,
      cbam_encoder: false,
      intensity_scale: 10000,
      physics_forward_mode: 'amplitude',
    });
    expect(md.training_config).toMatchObject({ epochs: 3, batch_size: 8, n_groups: 40, nll: true });
    expect(Object.keys(md.model_config)).toHaveLength(57);
    expect(Object.keys(md.training_config)).toHaveLength(44);
  });

  it('pickles floats as floats and tuples as tuples, like the reference', () => {
    const config = makeTrainingConfig({ nphotons: 1e9, model: { N: 32, gridsize: 1 } });
    const native = buildModelArchive({
      config,
      weights: new Map([['a.b', { shape: [1], data: Float32Array.of(1) }]]),
      history: [],
      physicsScale: 2,
      datasetSha256: null,
    });
    const z = unzipArchive(nativeArchiveToTorchBundle(native, 'm.zip'), 'z', 'zip', '');
    const ops = listOpcodes(z['diffraction_to_obj/params.dill']);
    // nphotons 1e9, intensity_scale 2 and the loss weights are BINFLOAT (0x47), not BININT
    expect(ops.filter((o) => o === 0x47).length).toBeGreaterThanOrEqual(8);
    const meta = unzipArchive(z['torch_scaling_metadata.pt'], 'meta', 'zip', '')['archive/data.pkl'];
    expect(Buffer.from(meta).includes(Buffer.from('grid_size'))).toBe(true);
    expect(listOpcodes(meta)).toContain(0x86); // TUPLE2: grid_size, x_bounds, y_bounds
  });
});
