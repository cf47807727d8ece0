// Tests of the canonical configs (src/config/schema.ts): reference defaults, the makers, every validator message, N from the probe.
import { describe, expect, it } from 'vitest';
import { PtychoError } from '../errors.ts';
import {
  INFERENCE_DEFAULTS,
  MODEL_DEFAULTS,
  TRAINING_DEFAULTS,
  makeInferenceConfig,
  makeModelConfig,
  makeTrainingConfig,
  validateInferenceConfig,
  validateModelConfig,
  validateTrainingConfig,
  withProbeSize,
  type ModelConfig,
  type TrainingConfig,
} from './schema.ts';
import { thrownPtychoError } from '../testing/thrown';

/** Expect a PtychoError('config') whose message names `field` and the value, and whose hint says `hint`. */
function expectConfigError(fn: () => unknown, field: string, value: string, hint: RegExp): void {
  const pe = thrownPtychoError(fn, 'config');
  expect(pe.message).toContain(`'${field}'`);
  expect(pe.message).toContain(value);
  expect(pe.hint).toMatch(hint);
}

// Typed out by hand from ptycho/config/config.py (the oracle; specs/config.md §1).
// The sampling fields TrainingConfig and InferenceConfig share in config.py, with the same defaults.
const DIGEST_SAMPLING = {
  n_images: null,
  n_subsample: null,
  subsample_seed: null,
  neighbor_count: 4,
  enable_oversampling: false,
  neighbor_pool_size: null,
};
const DIGEST_MODEL: Record<string, unknown> = {
  N: 64,
  gridsize: 1,
  n_filters_scale: 2,
  model_type: 'pinn',
  architecture: 'cnn',
  fno_modes: 12,
  fno_width: 32,
  fno_blocks: 4,
  fno_cnn_blocks: 2,
  learned_input_channels: 1,
  max_hidden_channels: null,
  resnet_width: null,
  fno_input_transform: 'none',
  generator_output_mode: 'real_imag',
  amp_activation: 'sigmoid',
  object_big: true,
  probe_big: true,
  probe_mask: false,
  probe_mask_sigma: 1.0,
  probe_mask_diameter: null,
  pad_object: true,
  probe_scale: 4.0,
  gaussian_smoothing_sigma: 0.0,
};
const DIGEST_TRAINING: Record<string, unknown> = {
  train_data_file: null,
  test_data_file: null,
  batch_size: 16,
  nepochs: 50,
  mae_weight: 0.0,
  nll_weight: 1.0,
  realspace_mae_weight: 0.0,
  realspace_weight: 0.0,
  nphotons: 1e9,
  ...DIGEST_SAMPLING,
  positions_provided: true,
  probe_trainable: false,
  intensity_scale_trainable: true,
  output_dir: 'training_outputs',
  sequential_sampling: false,
  backend: 'tensorflow',
  torch_loss_mode: 'poisson',
  torch_mae_pred_l2_match_target: false,
  gradient_clip_val: null,
  gradient_clip_algorithm: 'norm',
  optimizer: 'adam',
  momentum: 0.9,
  weight_decay: 0.0,
  adam_beta1: 0.9,
  adam_beta2: 0.999,
  scheduler: 'Default',
  lr_warmup_epochs: 0,
  lr_min_ratio: 0.1,
  plateau_factor: 0.5,
  plateau_patience: 2,
  plateau_min_lr: 5e-5,
  plateau_threshold: 0.0,
};
// Our extensions (specs/config.md): values from PyTorchExecutionConfig / torch ModelConfig / TF fit().
const EXT_MODEL = {
  cbam_encoder: true,
  amp_loss: null,
  phase_loss: null,
  amp_loss_coeff: 1.0,
  phase_loss_coeff: 1.0,
  init_scheme: 'torch_default',
  amplitude_level: null,
  torch_intensity_scale_trainable: false,
};
const EXT_TRAINING = { learning_rate: 1e-3, seed: 42, early_stop_patience: 100, validation_fraction: 0.05 };
const DIGEST_INFERENCE: Record<string, unknown> = {
  model_path: null,
  test_data_file: null,
  n_groups: null,
  ...DIGEST_SAMPLING,
  debug: false,
  output_dir: 'inference_outputs',
  backend: 'tensorflow',
};

describe('defaults (specs/config.md §1)', () => {
  it('ModelConfig: every field equals the reference default, and only extensions are extra', () => {
    for (const [k, v] of Object.entries(DIGEST_MODEL))
      expect([k, (MODEL_DEFAULTS as unknown as Record<string, unknown>)[k]]).toEqual([k, v]);
    expect(Object.keys(MODEL_DEFAULTS).sort()).toEqual(
      [...Object.keys(DIGEST_MODEL), ...Object.keys(EXT_MODEL)].sort(),
    );
    expect(MODEL_DEFAULTS.cbam_encoder).toBe(true);
  });

  it('TrainingConfig: every field equals the reference default, and only extensions are extra', () => {
    const d = TRAINING_DEFAULTS as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries({ ...DIGEST_TRAINING, ...EXT_TRAINING })) expect([k, d[k]]).toEqual([k, v]);
    expect(Object.keys(d).sort()).toEqual(
      [...Object.keys(DIGEST_TRAINING), 'n_groups', ...Object.keys(EXT_TRAINING)].sort(),
    );
  });

  it('InferenceConfig: every field equals the reference default', () => {
    expect({ ...INFERENCE_DEFAULTS }).toEqual(DIGEST_INFERENCE);
  });

  it('n_groups → 512 when n_groups and n_images are both unset; n_images fills n_groups; n_groups wins', () => {
    expect(makeTrainingConfig().n_groups).toBe(512);
    expect(makeTrainingConfig({ n_images: 100 }).n_groups).toBe(100);
    expect(makeTrainingConfig({ n_groups: 7, n_images: 100 }).n_groups).toBe(7);
    expect(makeTrainingConfig({ n_groups: null }).n_groups).toBe(512);
    // Inference: None means "all groups".
    expect(makeInferenceConfig().n_groups).toBeNull();
    expect(makeInferenceConfig({ n_images: 9 }).n_groups).toBe(9);
  });

  it('makers apply overrides without touching the frozen defaults', () => {
    const c = makeTrainingConfig({ nepochs: 3, model: { gridsize: 2 } });
    expect(c.nepochs).toBe(3);
    expect(c.model.gridsize).toBe(2);
    expect(c.model.N).toBe(64);
    expect(MODEL_DEFAULTS.gridsize).toBe(1);
    expect(TRAINING_DEFAULTS.nepochs).toBe(50);
    expect(() => validateTrainingConfig(c)).not.toThrow();
    expect(() => validateInferenceConfig(makeInferenceConfig())).not.toThrow();
  });
});

describe('validateModelConfig', () => {
  const m = (over: Partial<Record<keyof ModelConfig, unknown>>) => () =>
    validateModelConfig(makeModelConfig(over as Partial<ModelConfig>));

  it('accepts every N in {32, 64, 128, 256} and filter scales 0.25, 0.5, 1, 2, 3', () => {
    for (const N of [32, 64, 128, 256]) expect(m({ N })).not.toThrow();
    for (const s of [0.25, 0.5, 1, 2, 3]) expect(m({ n_filters_scale: s })).not.toThrow();
  });

  it.each([
    ['N', 48, /32, 64, 128, 256/],
    ['N', 512, /32, 64, 128, 256/],
    ['gridsize', 0, /integer ≥ 1/],
    ['gridsize', 1.5, /integer ≥ 1/],
    ['n_filters_scale', 0.3, /0\.25 \/ 0\.5/],
    ['n_filters_scale', 0, /integer ≥ 1/],
    ['n_filters_scale', 1.5, /integer ≥ 1/],
    ['model_type', 'pinn2', /"pinn", "supervised"/],
    ['architecture', 'unet', /"cnn", "ffno", "fno", "fno_vanilla", "neuralop_uno"/],
    ['fno_modes', 0, /integer ≥ 1/],
    ['fno_width', -1, /integer ≥ 1/],
    ['fno_blocks', 2.5, /integer ≥ 1/],
    ['fno_cnn_blocks', -1, /integer ≥ 0/],
    ['learned_input_channels', 0, /integer ≥ 1/],
    ['max_hidden_channels', 0, /integer ≥ 1/],
    ['resnet_width', 0.5, /integer ≥ 1/],
    ['fno_input_transform', 'log', /"none", "sqrt", "log1p", "instancenorm"/],
    ['generator_output_mode', 'amp', /"real_imag", "amp_phase_logits", "amp_phase"/],
    ['amp_activation', 'silu', /"sigmoid", "swish", "softplus", "relu"/],
    ['object_big', 1, /true or false/],
    ['probe_big', 'yes', /true or false/],
    ['probe_mask', null, /true or false/],
    ['probe_mask_sigma', 0, /> 0/],
    ['probe_mask_diameter', -3, /> 0/],
    ['pad_object', 0, /true or false/],
    ['probe_scale', 0, /> 0/],
    ['probe_scale', Number.NaN, /> 0/],
    ['gaussian_smoothing_sigma', -0.1, /≥ 0/],
    ['cbam_encoder', 'true', /true or false/],
  ])('model.%s = %s is refused', (field, value, hint) => {
    expectConfigError(m({ [field]: value }), `model.${field}`, JSON.stringify(value), hint);
  });
});

describe('validateTrainingConfig', () => {
  const t = (over: Partial<Record<keyof TrainingConfig, unknown>>) => () =>
    validateTrainingConfig({ ...makeTrainingConfig(), ...over } as TrainingConfig);

  it('accepts powers of two for batch_size and weights at the ends of [0, 1]', () => {
    for (const b of [1, 2, 4, 64, 1024]) expect(t({ batch_size: b })).not.toThrow();
    expect(t({ mae_weight: 1, nll_weight: 0 })).not.toThrow();
    expect(t({ validation_fraction: 0 })).not.toThrow();
  });

  it.each([
    ['batch_size', 12, /power of two/],
    ['batch_size', 0, /power of two/],
    ['batch_size', -16, /power of two/],
    ['batch_size', 2.5, /power of two/],
    ['nepochs', 0, /integer ≥ 1/],
    ['mae_weight', 1.5, /\[0, 1\]/],
    ['nll_weight', -0.1, /\[0, 1\]/],
    ['realspace_mae_weight', -1, /≥ 0/],
    ['realspace_weight', -1, /≥ 0/],
    ['nphotons', 0, /> 0/],
    ['nphotons', -5, /> 0/],
    ['n_groups', 0, /integer ≥ 1/],
    ['n_images', 0, /integer ≥ 1/],
    ['n_subsample', 1.5, /integer ≥ 1/],
    ['subsample_seed', -1, /integer ≥ 0/],
    ['neighbor_count', 0, /integer ≥ 1/],
    ['enable_oversampling', 'no', /true or false/],
    ['neighbor_pool_size', 0, /integer ≥ 1/],
    ['output_dir', '', /non-empty path/],
    ['backend', 'jax', /"tensorflow", "pytorch"/],
    ['train_data_file', 3, /path string or null/],
    ['test_data_file', '', /path string or null/],
    ['positions_provided', 1, /true or false/],
    ['probe_trainable', 0, /true or false/],
    ['intensity_scale_trainable', null, /true or false/],
    ['sequential_sampling', 'x', /true or false/],
    ['torch_loss_mode', 'mse', /"poisson", "mae"/],
    ['torch_mae_pred_l2_match_target', 1, /true or false/],
    ['gradient_clip_val', 0, /> 0/],
    ['gradient_clip_algorithm', 'l2', /"norm", "value", "agc"/],
    ['optimizer', 'lbfgs', /"adam", "adamw", "sgd"/],
    ['momentum', 1.1, /\[0, 1\]/],
    ['weight_decay', -1e-4, /≥ 0/],
    ['adam_beta1', 1, /\[0, 1\)/],
    ['adam_beta2', -0.1, /\[0, 1\)/],
    ['scheduler', 'MultiStage', /"Default", "Exponential", "WarmupCosine", "ReduceLROnPlateau"/],
    ['lr_warmup_epochs', -1, /integer ≥ 0/],
    ['lr_min_ratio', 2, /\[0, 1\]/],
    ['plateau_factor', 1, /\(0, 1\)/],
    ['plateau_patience', 0.5, /integer ≥ 0/],
    ['plateau_min_lr', -1, /≥ 0/],
    ['plateau_threshold', -1, /≥ 0/],
    ['learning_rate', 0, /> 0/],
    ['seed', -1, /\[0, 4294967295\]/],
    ['seed', 1.5, /\[0, 4294967295\]/],
    ['early_stop_patience', -1, /integer ≥ 0/],
    ['validation_fraction', 1, /\[0, 1\)/],
  ])('%s = %s is refused', (field, value, hint) => {
    expectConfigError(t({ [field]: value }), field, JSON.stringify(value), hint);
  });

  it('validates the nested model too', () => {
    expectConfigError(t({ model: makeModelConfig({ gridsize: 0 }) }), 'model.gridsize', '0', /integer ≥ 1/);
  });

  it('supervised training needs the MAE loss (torch compute_loss)', () => {
    expectConfigError(
      t({ model: makeModelConfig({ model_type: 'supervised' }) }),
      'torch_loss_mode',
      '"poisson"',
      /'mae'/,
    );
    expect(t({ model: makeModelConfig({ model_type: 'supervised' }), torch_loss_mode: 'mae' })).not.toThrow();
  });
});

describe('validateInferenceConfig', () => {
  it.each([
    ['model_path', '', /path string or null/],
    ['debug', 'yes', /true or false/],
    ['n_groups', -2, /integer ≥ 1/],
    ['neighbor_count', 0, /integer ≥ 1/],
    ['output_dir', 5, /non-empty path/],
    ['backend', 'torch', /"tensorflow", "pytorch"/],
  ])('%s = %s is refused', (field, value, hint) => {
    expectConfigError(
      () => validateInferenceConfig({ ...makeInferenceConfig(), [field]: value } as never),
      field,
      JSON.stringify(value),
      hint,
    );
  });
});

describe('withProbeSize', () => {
  it('takes N from the probe and leaves the rest', () => {
    const c = withProbeSize(makeTrainingConfig({ nepochs: 3 }), 128);
    expect(c.model.N).toBe(128);
    expect(c.nepochs).toBe(3);
    expect(withProbeSize(makeTrainingConfig({ model: { N: 32 } }), 32, { explicitN: true }).model.N).toBe(32);
  });

  it('refuses a probe of unsupported size', () => {
    expect(() => withProbeSize(makeTrainingConfig(), 100)).toThrow(/probe side length 100/);
  });

  it('refuses an explicit N that contradicts the probe', () => {
    let e: PtychoError | undefined;
    try {
      withProbeSize(makeTrainingConfig({ model: { N: 64 } }), 128, { explicitN: true });
    } catch (x) {
      e = x as PtychoError;
    }
    expect(e?.code).toBe('config');
    expect(e?.message).toBe("config field 'model.N' is 64 but the probe is 128×128");
    expect(e?.hint).toMatch(/set it to 128/);
  });
});
