// Tests of the PyTorch config bridge (src/config/torchBridge.ts): torch defaults, both directions, the reference's refusals.
import { describe, expect, it } from 'vitest';
import { configError } from '../testing/thrown.ts';
import { makeModelConfig, makeTrainingConfig, validateInferenceConfig, validateTrainingConfig } from './schema.ts';
import {
  TORCH_DATA_DEFAULTS,
  TORCH_EXECUTION_DEFAULTS,
  TORCH_INFERENCE_DEFAULTS,
  TORCH_MODEL_DEFAULTS,
  TORCH_TRAINING_DEFAULTS,
  fromTorchConfigs,
  fromTorchInference,
  makeTorchConfigs,
  toModelConfig,
  toTorchConfigs,
} from './torchBridge.ts';

const OK = { n_groups: 128, train_data_file: 'train.npz', nphotons: 1e9 };

describe('torch defaults (specs/config.md §3)', () => {
  it('the defaults specs/config.md §3 names', () => {
    expect(TORCH_DATA_DEFAULTS).toMatchObject({ nphotons: 1e5, K: 6, grid_size: [2, 2] });
    expect(TORCH_MODEL_DEFAULTS).toMatchObject({
      amp_activation: 'silu',
      cbam_encoder: true,
      intensity_scale_trainable: false,
    });
  });
  it('channel counts agree with grid_size; the mode/loss spellings are the torch ones', () => {
    const [gh, gw] = TORCH_DATA_DEFAULTS.grid_size;
    expect(TORCH_DATA_DEFAULTS.C).toBe(gh * gw);
    expect(TORCH_MODEL_DEFAULTS.C_model).toBe(TORCH_DATA_DEFAULTS.C);
    expect(TORCH_MODEL_DEFAULTS.C_forward).toBe(TORCH_DATA_DEFAULTS.C);
    expect(TORCH_MODEL_DEFAULTS).toMatchObject({ mode: 'Unsupervised', loss_function: 'Poisson', architecture: 'cnn' });
    expect(TORCH_TRAINING_DEFAULTS).toMatchObject({
      nll: true,
      torch_loss_mode: 'poisson',
      epochs: 50,
      batch_size: 16,
    });
  });
  it('optimiser, clipping and scheduler defaults equal the canonical ones (oracle: schema.test.ts digest)', () => {
    const canonical = makeTrainingConfig() as unknown as Record<string, unknown>;
    const shared = ['learning_rate', 'optimizer', 'adam_beta1', 'adam_beta2', 'momentum', 'weight_decay'] as const;
    const sched = ['scheduler', 'lr_warmup_epochs', 'lr_min_ratio', 'plateau_factor', 'plateau_patience'] as const;
    const rest = ['plateau_min_lr', 'plateau_threshold', 'gradient_clip_val', 'gradient_clip_algorithm'] as const;
    for (const k of [...shared, ...sched, ...rest]) expect([k, TORCH_TRAINING_DEFAULTS[k]]).toEqual([k, canonical[k]]);
    expect(TORCH_TRAINING_DEFAULTS).toMatchObject({ learning_rate: 1e-3, plateau_min_lr: 5e-5, adam_beta2: 0.999 });
    for (const k of ['learning_rate', 'early_stop_patience', 'gradient_clip_val'] as const)
      expect([k, TORCH_EXECUTION_DEFAULTS[k]]).toEqual([k, canonical[k]]);
  });
  it('InferenceConfig', () => {
    expect(TORCH_INFERENCE_DEFAULTS).toMatchObject({ middle_trim: 32, batch_size: 1000, window: 20 });
    expect(TORCH_INFERENCE_DEFAULTS).toMatchObject({ pad_eval: true, patch_weighting: 'probe', varpro_scaling: true });
  });
  it('makeTorchConfigs copies (no shared grid_size array)', () => {
    const a = makeTorchConfigs();
    a.data.grid_size[0] = 9;
    expect(TORCH_DATA_DEFAULTS.grid_size).toEqual([2, 2]);
  });
});

describe('toTorchConfigs (create_training_payload)', () => {
  it('maps the default canonical run', () => {
    const t = toTorchConfigs(makeTrainingConfig());
    expect(t.data).toMatchObject({
      N: 64,
      grid_size: [1, 1],
      C: 1,
      K: 4,
      nphotons: 1e9,
      probe_scale: 4,
      subsample_seed: null,
    });
    expect(t.model).toMatchObject({
      mode: 'Unsupervised',
      amp_activation: 'sigmoid',
      C_model: 1,
      C_forward: 1,
      cbam_encoder: true,
      object_big: true,
      probe_big: true,
      probe_mask: false,
      loss_function: 'Poisson',
      // the model field torch_intensity_scale_trainable (false), not the canonical TF flag (true): the reference's
      // create_training_payload leaves the torch default
      intensity_scale_trainable: false,
    });
    expect(t.training).toMatchObject({ epochs: 50, batch_size: 16, nll: true, learning_rate: 1e-3, n_groups: 512 });
    expect(t.execution).toMatchObject({ learning_rate: 1e-3, early_stop_patience: 100 });
    // Torch defaults not overridden stay (update_existing_config semantics).
    expect(t.data.K_quadrant).toBe(30);
    expect(t.model.training_patch_weighting).toBe('central_mask');
    expect(t.model.offset).toBe(6);
  });

  it('gridsize 3 → grid_size (3,3), C = C_model = C_forward = 9; supervised/mae; nll_weight 0 → nll false', () => {
    const c = makeTrainingConfig({
      nepochs: 7,
      neighbor_count: 9,
      nll_weight: 0,
      torch_loss_mode: 'mae',
      learning_rate: 5e-4,
      model: { gridsize: 3, model_type: 'supervised', N: 128, cbam_encoder: false },
    });
    const t = toTorchConfigs(c);
    expect(t.data.grid_size).toEqual([3, 3]);
    expect([t.data.C, t.model.C_model, t.model.C_forward]).toEqual([9, 9, 9]);
    expect(t.data.K).toBe(9);
    expect(t.data.N).toBe(128);
    expect(t.model.mode).toBe('Supervised');
    expect(t.model.cbam_encoder).toBe(false);
    expect(t.model.loss_function).toBe('MAE');
    expect(t.training).toMatchObject({ epochs: 7, nll: false, torch_loss_mode: 'mae', learning_rate: 5e-4 });
    expect(toTorchConfigs(makeTrainingConfig({ nll_weight: 0.25 })).training.nll).toBe(true);
  });
});

describe('fromTorchConfigs (config_bridge)', () => {
  it('maps renamed fields and forces the bridge constants', () => {
    const t = makeTorchConfigs({
      data: { N: 128, grid_size: [2, 2], K: 7, nphotons: 1e9, probe_scale: 2 },
      model: { amp_activation: 'silu', mode: 'Unsupervised', intensity_scale_trainable: false },
      training: { epochs: 12, batch_size: 32, nll: false },
    });
    const c = fromTorchConfigs(t, { n_groups: 64, train_data_file: 'a.npz' });
    expect(c.model).toMatchObject({ N: 128, gridsize: 2, model_type: 'pinn', amp_activation: 'swish', probe_scale: 2 });
    expect(c).toMatchObject({
      nepochs: 12,
      batch_size: 32,
      nll_weight: 0,
      neighbor_count: 7,
      nphotons: 1e9,
      n_groups: 64,
      train_data_file: 'a.npz',
      intensity_scale_trainable: false,
      backend: 'pytorch',
      mae_weight: 0,
      realspace_mae_weight: 0,
      realspace_weight: 0,
      positions_provided: true,
      probe_trainable: false,
      sequential_sampling: false,
      test_data_file: null,
      output_dir: 'training_outputs',
    });
    expect(() => validateTrainingConfig(c)).not.toThrow();
  });

  it('activation map: silu/SiLU → swish, others kept; unknown refused', () => {
    const d = makeTorchConfigs().data;
    for (const [from, to] of [
      ['silu', 'swish'],
      ['SiLU', 'swish'],
      ['sigmoid', 'sigmoid'],
      ['swish', 'swish'],
      ['softplus', 'softplus'],
      ['relu', 'relu'],
    ]) {
      expect(toModelConfig(d, { ...TORCH_MODEL_DEFAULTS, amp_activation: from }).amp_activation).toBe(to);
    }
    const e = configError(() => toModelConfig(d, { ...TORCH_MODEL_DEFAULTS, amp_activation: 'gelu' }));
    expect(e.message).toContain('"gelu"');
    expect(e.hint).toBe('supported: silu, SiLU, sigmoid, swish, softplus, relu');
  });

  it('probe_mask: a tensor means true; a bool is kept; null is false', () => {
    const d = makeTorchConfigs().data;
    expect(toModelConfig(d, { ...TORCH_MODEL_DEFAULTS, probe_mask: new Float32Array(4) }).probe_mask).toBe(true);
    expect(toModelConfig(d, { ...TORCH_MODEL_DEFAULTS, probe_mask: true }).probe_mask).toBe(true);
    expect(toModelConfig(d, { ...TORCH_MODEL_DEFAULTS, probe_mask: false }).probe_mask).toBe(false);
    expect(toModelConfig(d, { ...TORCH_MODEL_DEFAULTS, probe_mask: null }).probe_mask).toBe(false);
    expect(toModelConfig(d, TORCH_MODEL_DEFAULTS, { probe_mask: true }).probe_mask).toBe(true);
  });

  it('raises on a non-square grid', () => {
    const e = configError(() => fromTorchConfigs(makeTorchConfigs({ data: { grid_size: [2, 3] } }), OK));
    expect(e.message).toBe('non-square grids are not supported: grid_size=[2,3]');
    expect(e.hint).toMatch(/square grid/);
  });

  it('raises on an invalid mode', () => {
    const e = configError(() => fromTorchConfigs(makeTorchConfigs({ model: { mode: 'Semi' as never } }), OK));
    expect(e.message).toContain("'mode'");
    expect(e.message).toContain('"Semi"');
    expect(e.hint).toBe("use 'Unsupervised' or 'Supervised'");
  });

  it('raises when nphotons is the torch default 1e5 and not overridden', () => {
    const e = configError(() => fromTorchConfigs(makeTorchConfigs(), { n_groups: 1, train_data_file: 'a.npz' }));
    expect(e.message).toMatch(/nphotons is the PyTorch default 100000/);
    expect(e.hint).toMatch(/give nphotons explicitly/);
    // Overriding (even with 1e5 itself) or a non-default torch value is accepted.
    expect(fromTorchConfigs(makeTorchConfigs(), { ...OK, nphotons: 1e5 }).nphotons).toBe(1e5);
    expect(
      fromTorchConfigs(makeTorchConfigs({ data: { nphotons: 3e6 } }), { n_groups: 1, train_data_file: 'a.npz' })
        .nphotons,
    ).toBe(3e6);
  });

  it('raises when n_groups is missing (torch TrainingConfig.n_groups is not read, as in the reference)', () => {
    const t = makeTorchConfigs({ training: { n_groups: 99 } });
    const e = configError(() => fromTorchConfigs(t, { nphotons: 1e9, train_data_file: 'a.npz' }));
    expect(e.message).toMatch(/n_groups is missing/);
    expect(e.hint).toMatch(/n_groups/);
  });

  it('raises when train_data_file is missing, unless the caller opts out', () => {
    const e = configError(() => fromTorchConfigs(makeTorchConfigs(), { nphotons: 1e9, n_groups: 4 }));
    expect(e.message).toMatch(/train_data_file is missing/);
    const c = fromTorchConfigs(makeTorchConfigs(), { nphotons: 1e9, n_groups: 4 }, { requireTrainDataFile: false });
    expect(c.train_data_file).toBeNull();
  });

  it('refuses torch-only schedulers', () => {
    const e = configError(() => fromTorchConfigs(makeTorchConfigs({ execution: { scheduler: 'MultiStage' } }), OK));
    expect(e.message).toContain("'MultiStage'");
  });

  it('round trip canonical → torch → canonical keeps every bridged field', () => {
    const c = makeTrainingConfig({
      nepochs: 9,
      batch_size: 8,
      neighbor_count: 5,
      nphotons: 1e7,
      n_groups: 33,
      train_data_file: 'x.npz',
      test_data_file: 'y.npz',
      learning_rate: 2e-3,
      early_stop_patience: 7,
      gradient_clip_val: 1.5,
      scheduler: 'ReduceLROnPlateau',
      plateau_patience: 4,
      optimizer: 'adamw',
      weight_decay: 0.01,
      intensity_scale_trainable: true,
      backend: 'pytorch',
      subsample_seed: 3,
      model: {
        torch_intensity_scale_trainable: true,
        N: 32,
        gridsize: 2,
        amp_activation: 'swish',
        probe_mask: true,
        probe_scale: 2,
        n_filters_scale: 0.5,
        cbam_encoder: false,
      },
    });
    const t = toTorchConfigs(c);
    const back = fromTorchConfigs(t, {
      n_groups: t.training.n_groups,
      train_data_file: t.training.train_data_file,
      test_data_file: t.training.test_data_file,
      nphotons: t.data.nphotons,
      subsample_seed: t.data.subsample_seed,
    });
    expect(back).toEqual(c);
  });
});

describe('fromTorchInference (to_inference_config)', () => {
  const model = makeModelConfig({ N: 128 });
  it('K → neighbor_count, backend pytorch, overrides applied', () => {
    const c = fromTorchInference(model, makeTorchConfigs({ data: { K: 8 } }).data, {
      model_path: 'm.zip',
      test_data_file: 't.npz',
    });
    expect(c).toMatchObject({
      neighbor_count: 8,
      backend: 'pytorch',
      debug: false,
      model_path: 'm.zip',
      test_data_file: 't.npz',
      n_groups: null,
      output_dir: 'inference_outputs',
    });
    expect(c.model.N).toBe(128);
    expect(() => validateInferenceConfig(c)).not.toThrow();
  });
  it('raises when model_path or test_data_file is missing', () => {
    const d = makeTorchConfigs().data;
    expect(configError(() => fromTorchInference(model, d, { test_data_file: 't.npz' })).message).toMatch(
      /model_path is missing/,
    );
    expect(configError(() => fromTorchInference(model, d, { model_path: 'm.zip' })).message).toMatch(
      /test_data_file is missing/,
    );
  });
});
