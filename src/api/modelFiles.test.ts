/**
 * Model-file conversion through the api layer (src/api/modelFiles.ts): this app's native archive → wts.h5.zip
 * (nativeArchiveToTorchBundle) keeps every weight bit, writes the config bridge params and the scaling metadata, and
 * reads back through readModelFile. The bundle format is in specs/model_archive.md.
 */
import { describe, expect, it } from 'vitest';
import { makeTrainingConfig, type TrainingConfig } from '../config/schema';
import { readTorchBundle, unzipArchive } from '../pipeline/archive/torchBundle';
import { listOpcodes } from '../pipeline/archive/pickleOpcodes';
import { deriveStateDictMetadata } from '../pipeline/archive/torchBundleWriter';
import { parameterShapes } from '../model/network';
import { buildModelArchive, generatorSpecOf, nativeArchiveToTorchBundle, readModelFile } from './modelFiles';

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Every weight of the generator the config describes, with deterministic values. */
function generatorWeights(config: TrainingConfig): Map<string, { shape: number[]; data: Float32Array }> {
  return new Map(
    parameterShapes(generatorSpecOf(config)).map(([k, shape], i) => {
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, j) => Math.sin(i + j));
      return [k, { shape, data }];
    }),
  );
}

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
    // Every weight the generator has (so the export's checks pass), with awkward bit patterns in a few values.
    const weights = generatorWeights(config);
    weights.get('model.autoencoder.encoder.blocks.0.conv1.weight')!.data.set([0.1, -0, 1e-40, -3.25]);
    weights.get('model.autoencoder.encoder.blocks.0.conv1.bias')!.data.set([Math.PI, -1e30]);
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
    const m = readModelFile(nativeArchiveToTorchBundle(native, 'm.zip'), 'out.h5.zip');
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
    const config = makeTrainingConfig({ nphotons: 1e9, model: { N: 32, gridsize: 1, n_filters_scale: 0.25 } });
    const native = buildModelArchive({
      config,
      weights: generatorWeights(config),
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

  it('refuses to export an archive whose weights are not finite or do not fit its config', () => {
    const config = makeTrainingConfig({ model: { N: 32, gridsize: 1, n_filters_scale: 0.25, cbam_encoder: false } });
    const nan = generatorWeights(config);
    nan.get('model.autoencoder.encoder.blocks.0.conv1.bias')!.data[1] = NaN;
    const flat = generatorWeights(config);
    const w = flat.get('model.autoencoder.encoder.blocks.0.conv1.weight')!;
    flat.set('model.autoencoder.encoder.blocks.0.conv1.weight', { shape: [w.data.length], data: w.data });
    for (const [weights, why] of [
      [nan, /conv1\.bias.*NaN/],
      [flat, /conv1\.weight.*shape/],
    ] as const) {
      const native = buildModelArchive({ config, weights, history: [], physicsScale: 1, datasetSha256: null });
      expect(() => nativeArchiveToTorchBundle(native, 'bad.zip')).toThrow(why);
    }
  });
});
