/**
 * Model round trips (specs/model_archive.md, specs/config.md §3): a PyTorch bundle → our archive → a PyTorch bundle
 * keeps every setting the bundle carries — params.dill and the four config dataclasses of torch_scaling_metadata.pt,
 * field by field — including the settings where the two disagree (params.dill's canonical
 * intensity_scale.trainable is the TF log-scale flag; model_config.intensity_scale_trainable is PyTorch's α·pred + β),
 * and the engine reconstructs the same object from all three files and honours the α·pred + β flag.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeTrainingConfig, type TrainingConfig } from '../config/schema';
import { torchBundleParams, torchScalingMetadata } from '../config/torchBundle';
import { parameterShapes } from '../model/network';
import { writeNpz } from '../pipeline/npz';
import { simulateDataset } from '../pipeline/simulate';
import { readTorchBundle, type TorchBundle } from '../pipeline/archive/torchBundle';
import { writeTorchBundle } from '../pipeline/archive/torchBundleWriter';
import { linesScan, loadGolden } from '../testing/fixtures';
import type { SpectralArchitecture } from '../model/fnoGenerators';
import { modelParameterShapes } from '../model/ptychopinn';
import type { StateTensor } from '../pipeline/archive/torchBundle';
import { modelSpec } from './modelSpec';
import { spectralStateDict } from './spectralBundle';
import { Engine } from './engine';
import {
  buildModelArchive,
  generatorSpecOf,
  nativeArchiveToTorchBundle,
  readModelFile,
  torchBundleToNativeArchive,
} from './modelFiles';

/** Every bridged field away from its default (canonical and torch), on a model small enough for SwiftShader. */
const NON_DEFAULT: TrainingConfig = makeTrainingConfig({
  batch_size: 8,
  nepochs: 7,
  nphotons: 1e6,
  n_groups: 24,
  neighbor_count: 6,
  train_data_file: 'train.npz',
  test_data_file: 'test.npz',
  subsample_seed: 5,
  learning_rate: 2e-3,
  early_stop_patience: 9,
  gradient_clip_val: 2.5,
  gradient_clip_algorithm: 'value',
  optimizer: 'adamw',
  weight_decay: 0.02,
  adam_beta1: 0.8,
  adam_beta2: 0.99,
  momentum: 0.5,
  scheduler: 'WarmupCosine',
  lr_warmup_epochs: 2,
  lr_min_ratio: 0.2,
  plateau_factor: 0.3,
  plateau_patience: 5,
  plateau_min_lr: 1e-6,
  plateau_threshold: 0.01,
  torch_mae_pred_l2_match_target: true,
  output_dir: 'runs',
  backend: 'pytorch',
  intensity_scale_trainable: true,
  model: {
    N: 32,
    gridsize: 2,
    n_filters_scale: 0.25,
    amp_activation: 'swish',
    probe_big: false,
    probe_mask: true,
    probe_mask_sigma: 2,
    probe_mask_diameter: 20,
    probe_scale: 3,
    gaussian_smoothing_sigma: 0.5,
    cbam_encoder: false,
    torch_intensity_scale_trainable: true,
  },
});

function weightsOf(c: TrainingConfig): Map<string, { shape: number[]; data: Float32Array }> {
  return new Map(
    parameterShapes(generatorSpecOf(c)).map(([k, shape], i) => {
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, j) => 0.3 * Math.sin(1.7 * i + j));
      if (k === 'model.forward_model.alpha') data[0] = 2;
      if (k === 'model.forward_model.beta') data[0] = 0.25;
      return [k, { shape, data }];
    }),
  );
}

/** A bundle as the reference writes one: params.dill's canonical flag and model_config's PyTorch flag disagree. */
function referenceStyleBundle(c: TrainingConfig, S: number): Uint8Array {
  const scalingMetadata = torchScalingMetadata(c) as Record<string, Record<string, unknown>>;
  scalingMetadata.model_config.intensity_scale_trainable = true;
  const params = { ...torchBundleParams(c, S), 'intensity_scale.trainable': false };
  return writeTorchBundle({ stateDict: weightsOf(c), params, scalingMetadata });
}

const toNative = (bundle: Uint8Array) => torchBundleToNativeArchive(bundle, 'wts.h5.zip');

function expectSameSettings(a: TorchBundle, b: TorchBundle): void {
  for (const [k, v] of Object.entries(a.params)) expect([k, b.params[k]]).toEqual([k, v]);
  const ma = a.scalingMetadata as Record<string, Record<string, unknown>>;
  const mb = b.scalingMetadata as Record<string, Record<string, unknown>>;
  for (const part of ['data_config', 'model_config', 'training_config', 'inference_config'])
    for (const [k, v] of Object.entries(ma[part])) expect([part, k, mb[part][k]]).toEqual([part, k, v]);
}

describe('torch → native → torch keeps every setting', () => {
  it('a bundle with every bridged field set away from its default (and the two intensity-scale flags apart)', () => {
    const torch1 = referenceStyleBundle(NON_DEFAULT, 321.5);
    const native = toNative(torch1);
    const torch2 = nativeArchiveToTorchBundle(native, 'model.zip');
    expectSameSettings(readTorchBundle(torch1), readTorchBundle(torch2));
    const configs = [torch1, native, torch2].map((f) => readModelFile(f, 'f.zip').config);
    for (const c of configs) {
      expect(c.model).toEqual({ ...NON_DEFAULT.model, torch_intensity_scale_trainable: true });
      expect(c.intensity_scale_trainable).toBe(false);
    }
  });

  it('settings the canonical config cannot hold (data pipeline, run names, keys newer than this app) come back too', () => {
    const scalingMetadata = torchScalingMetadata(NON_DEFAULT) as Record<string, Record<string, unknown>>;
    Object.assign(scalingMetadata.data_config, { normalize: 'Group', data_scaling: 'Max', K_quadrant: 12 });
    Object.assign(scalingMetadata.model_config, { edge_pad: 4, training_patch_weighting: 'uniform', future_knob: 3 });
    Object.assign(scalingMetadata.training_config, { experiment_name: 'beamline-7', num_workers: 1 });
    Object.assign(scalingMetadata.inference_config, { window: 7, patch_weighting: 'uniform' });
    const params = { ...torchBundleParams(NON_DEFAULT, 5), custom_key: 'kept' };
    const torch1 = writeTorchBundle({ stateDict: weightsOf(NON_DEFAULT), params, scalingMetadata });
    const back = readTorchBundle(nativeArchiveToTorchBundle(toNative(torch1), 'model.zip'));
    expectSameSettings(readTorchBundle(torch1), back);
    expect(back.params.custom_key).toBe('kept');
    expect((back.scalingMetadata!.data_config as Record<string, unknown>).data_scaling).toBe('Max');
    expect(Object.keys(back.params).at(-1)).toBe('_version');
  });

  it("the reference's own bundle (golden) comes back identical, settings and weights", () => {
    const golden = new Uint8Array(
      readFileSync(new URL('../../tests/fixtures/torch/wts_n64_s1_gs1.h5.zip', import.meta.url)),
    );
    const back = readTorchBundle(nativeArchiveToTorchBundle(toNative(golden), 'model.zip'));
    const orig = readTorchBundle(golden);
    expectSameSettings(orig, back);
    // the case that used to flip: PyTorch's flag false in model_config, the canonical one true in params.dill
    expect((orig.scalingMetadata!.model_config as Record<string, unknown>).intensity_scale_trainable).toBe(false);
    expect(orig.params['intensity_scale.trainable']).toBe(true);
    for (const [k, t] of orig.stateDict) expect(Array.from(back.stateDict.get(k)!.data), k).toEqual(Array.from(t.data));
  });

  it('a torch model setting the engine cannot build (batch norm, a CBAM decoder) is refused by name, not built otherwise', () => {
    const scalingMetadata = torchScalingMetadata(NON_DEFAULT) as Record<string, Record<string, unknown>>;
    Object.assign(scalingMetadata.model_config, { batch_norm: true, cbam_decoder: true });
    const bundle = writeTorchBundle({
      stateDict: weightsOf(NON_DEFAULT),
      params: torchBundleParams(NON_DEFAULT, 1),
      scalingMetadata,
    });
    expect(() => readModelFile(bundle, 'bn.h5.zip')).toThrow(
      /bn\.h5\.zip: torch_scaling_metadata\.pt sets model_config\.batch_norm = true, model_config\.cbam_decoder = true/,
    );
  });

  it('the engine reconstructs the same object from all three files and honours α·pred + β', async () => {
    const torch1 = referenceStyleBundle(NON_DEFAULT, 321.5);
    const native = toNative(torch1);
    const torch2 = nativeArchiveToTorchBundle(native, 'model.zip');
    const scan = writeNpz(linesScan({ nImages: 12, objectSize: 64, seed: 4 }));
    const objects: Float32Array[] = [];
    for (const [bytes, name] of [
      [torch1, 'wts.h5.zip'],
      [native, 'model.zip'],
      [torch2, 'back.h5.zip'],
    ] as const) {
      const e = await Engine.create();
      await e.loadDataset(scan, 'scan.npz');
      e.openModel(bytes, name);
      expect(e.model!.spec.intensityScaleTrainable, name).toBe(true);
      objects.push((await e.reconstruct()).image.object);
      e.destroy();
    }
    expect(objects[0].length).toBeGreaterThan(0);
    expect(Array.from(objects[1])).toEqual(Array.from(objects[0]));
    expect(Array.from(objects[2])).toEqual(Array.from(objects[0]));
  });
});

describe('a bundle whose settings are invalid is refused by field, before its weights are checked', () => {
  it.each([
    ['gridsize', -3, 'model.gridsize'],
    ['n_filters_scale', 'x', 'model.n_filters_scale'],
  ])('params.dill %s = %j', (key, value, field) => {
    const bundle = writeTorchBundle({
      stateDict: weightsOf(NON_DEFAULT),
      params: { ...torchBundleParams(NON_DEFAULT, 1), [key]: value },
    });
    let err: unknown;
    try {
      readModelFile(bundle, 'bad.h5.zip');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'model-archive', field });
    expect((err as Error).message).toMatch(new RegExp(`^bad\\.h5\\.zip: .*'${field}' has invalid value`));
  });
});

describe('spectral generators in the engine', () => {
  it('an FFNO (log1p input, amp_phase_logits output) trains, saves and reopens to the same reconstruction, from our archive and from its PyTorch bundle', async () => {
    const scan = writeNpz(linesScan({ nImages: 24, objectSize: 64, seed: 4 }));
    const a = await Engine.create();
    await a.loadDataset(scan, 'scan.npz');
    a.setConfig(
      makeTrainingConfig({
        nepochs: 2,
        batch_size: 4,
        n_groups: 12,
        seed: 3,
        model: {
          N: 32,
          gridsize: 2,
          architecture: 'ffno',
          fno_width: 4,
          fno_blocks: 1,
          fno_modes: 4,
          fno_cnn_blocks: 1,
          fno_input_transform: 'log1p',
          generator_output_mode: 'amp_phase_logits',
        },
      }),
    );
    const r = await a.train();
    expect(r.status).toBe('completed');
    expect(r.epochs[1].trainLoss).toBeLessThan(r.epochs[0].trainLoss);
    const saved = await a.saveModel();
    const before = (await a.reconstruct()).image.object;
    const b = await Engine.create();
    await b.loadDataset(scan, 'scan.npz');
    b.openModel(saved, 'ffno.zip');
    expect(b.config.model.architecture).toBe('ffno');
    expect(Array.from((await b.reconstruct()).image.object)).toEqual(Array.from(before));
    const c = await Engine.create();
    await c.loadDataset(scan, 'scan.npz');
    c.openModel(nativeArchiveToTorchBundle(saved, 'ffno.zip'), 'wts.h5.zip');
    expect(c.config.model).toEqual(a.config.model);
    expect(Array.from((await c.reconstruct()).image.object)).toEqual(Array.from(before));
    a.destroy();
    b.destroy();
    c.destroy();
  });
});

/** A native archive of the golden files' model (N 64, gridsize 2, width 8, 2 blocks, 6 modes, 1 refiner), golden weights. */
function goldenNative(arch: SpectralArchitecture): {
  config: TrainingConfig;
  weights: Map<string, StateTensor>;
  zip: Uint8Array;
} {
  const config = makeTrainingConfig({
    model: { N: 64, gridsize: 2, architecture: arch, fno_width: 8, fno_blocks: 2, fno_modes: 6, fno_cnn_blocks: 1 },
  });
  const g = loadGolden(`model_${arch}`);
  const weights = new Map(
    modelParameterShapes(modelSpec(config)).map(([k, shape]): [string, StateTensor] => [
      k,
      { shape, data: g[k].data as Float32Array },
    ]),
  );
  const zip = buildModelArchive({ config, weights, history: [], physicsScale: 12.5, datasetSha256: null });
  return { config, weights, zip };
}

describe("spectral generators as PyTorch bundles (the reference's aliased state_dict)", () => {
  for (const arch of ['ffno', 'fno', 'fno_vanilla'] as const) {
    it(`${arch}: native → wts.h5.zip has the reference's keys, shapes and dtypes; → native keeps every bit and setting`, () => {
      const { config, weights, zip } = goldenNative(arch);
      const bundle = readTorchBundle(nativeArchiveToTorchBundle(zip, 'model.zip'));
      const dir = new URL(`../../tests/fixtures/golden/model_${arch}/`, import.meta.url);
      const tol = JSON.parse(readFileSync(new URL('tolerances.json', dir), 'utf8')) as { state_dict_keys: string[] };
      const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as Record<
        string,
        { dtype: string; shape: number[] }
      >;
      expect([...bundle.stateDict.keys()]).toEqual(tol.state_dict_keys);
      for (const [k, t] of bundle.stateDict) {
        const e = index[k];
        const torchShape = k.endsWith('.shared_gate') ? [] : e.shape; // 0-d in torch, stored (1) in the golden files
        expect([k, Boolean(t.complex), t.complex ? t.shape.slice(0, -1) : t.shape]).toEqual([
          k,
          e.dtype === 'c64',
          torchShape,
        ]);
      }
      const mc = bundle.scalingMetadata!.model_config as Record<string, unknown>;
      expect([mc.architecture, mc.fno_width, mc.fno_blocks, mc.fno_modes, mc.fno_cnn_blocks]).toEqual([
        arch,
        8,
        2,
        6,
        1,
      ]);
      const back = readModelFile(
        torchBundleToNativeArchive(nativeArchiveToTorchBundle(zip, 'model.zip'), 'w.h5.zip'),
        'b.zip',
      );
      expect(back.config.model).toEqual(config.model);
      expect([...back.weights.keys()]).toEqual([...weights.keys()]);
      for (const [k, t] of weights)
        expect(Buffer.from(back.weights.get(k)!.buffer).equals(Buffer.from(t.data.buffer)), k).toBe(true);
    });
  }

  it('a bundle whose alias differs from its parameter is refused naming the key', () => {
    const { config, weights } = goldenNative('ffno');
    const sd = spectralStateDict(modelSpec(config).spectral!, weights);
    const key = 'model.autoencoder.blocks.1.shared_spectral.weights_y';
    const t = sd.get(key)!;
    sd.set(key, { ...t, data: t.data.map((v, i) => (i === 5 ? v + 1 : v)) });
    const bytes = writeTorchBundle({
      stateDict: sd,
      params: torchBundleParams(config, 1),
      scalingMetadata: torchScalingMetadata(config),
    });
    expect(() => readModelFile(bytes, 'alias.h5.zip')).toThrow(
      /alias\.h5\.zip: diffraction_to_obj\/model\.pth: model\.autoencoder\.blocks\.1\.shared_spectral\.weights_y differs from model\.generator\.ffno_stack\.shared_spectral\.weights_y/,
    );
  });

  it('the engine reconstructs the same object from the native archive and its bundle (golden FNO weights)', async () => {
    const { zip } = goldenNative('fno');
    const scan = writeNpz(
      simulateDataset({
        object: 'lines',
        probe: 'default',
        positions: 'random',
        N: 64,
        nphotons: 1e6,
        nImages: 8,
        objectSize: 128,
        seed: 2,
      }),
    );
    const objects: Float32Array[] = [];
    for (const [bytes, name] of [
      [zip, 'model.zip'],
      [nativeArchiveToTorchBundle(zip, 'model.zip'), 'wts.h5.zip'],
    ] as const) {
      const e = await Engine.create();
      await e.loadDataset(scan, 'scan.npz');
      e.openModel(bytes, name);
      objects.push((await e.reconstruct()).image.object);
      e.destroy();
    }
    expect(objects[0].length).toBeGreaterThan(0);
    expect(Array.from(objects[1])).toEqual(Array.from(objects[0]));
  });
});
