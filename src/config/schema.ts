/**
 * Canonical configuration: the reference's `ptycho/config/config.py` dataclasses (ModelConfig,
 * TrainingConfig, InferenceConfig) with their field names (snake_case, exactly as the reference) and
 * defaults (digest §2.1), plus a few clearly marked extensions our engine needs (see specs/config.md).
 * Configs are plain JSON-able objects: paths are strings, "None" is `null`.
 */
import { PtychoError } from '../errors.ts';

// ---------------------------------------------------------------------------------------------
// Allowed values
// ---------------------------------------------------------------------------------------------

/** Patch sizes. The reference allows 64/128/256; 32 is our extension for small machines and tests. */
export const N_VALUES = [32, 64, 128, 256] as const;
export type PatchSize = (typeof N_VALUES)[number];
export const MODEL_TYPES = ['pinn', 'supervised'] as const;
export const ARCHITECTURES = ['cnn', 'ffno', 'fno', 'fno_vanilla', 'neuralop_uno'] as const;
export const FNO_INPUT_TRANSFORMS = ['none', 'sqrt', 'log1p', 'instancenorm'] as const;
export const GENERATOR_OUTPUT_MODES = ['real_imag', 'amp_phase_logits', 'amp_phase'] as const;
export const AMP_ACTIVATIONS = ['sigmoid', 'swish', 'softplus', 'relu'] as const;
export const BACKENDS = ['tensorflow', 'pytorch'] as const;
export const TORCH_LOSS_MODES = ['poisson', 'mae'] as const;
export const GRADIENT_CLIP_ALGORITHMS = ['norm', 'value', 'agc'] as const;
export const OPTIMIZERS = ['adam', 'adamw', 'sgd'] as const;
export const REALSPACE_LOSSES = ['Total_Variation', 'Mean_Deviation'] as const;
export const SCHEDULERS = ['Default', 'Exponential', 'WarmupCosine', 'ReduceLROnPlateau'] as const;
/** Fractional filter scales are our extension (tiny models for tests / weak GPUs). */
export const FRACTIONAL_FILTER_SCALES = [0.25, 0.5] as const;
/** `n_groups` when neither n_groups nor the deprecated n_images is given (reference __post_init__). */
export const DEFAULT_N_GROUPS = 512;

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

export interface ModelConfig {
  N: PatchSize;
  gridsize: number;
  n_filters_scale: number;
  model_type: (typeof MODEL_TYPES)[number];
  architecture: (typeof ARCHITECTURES)[number];
  fno_modes: number;
  fno_width: number;
  fno_blocks: number;
  fno_cnn_blocks: number;
  learned_input_channels: number;
  max_hidden_channels: number | null;
  resnet_width: number | null;
  fno_input_transform: (typeof FNO_INPUT_TRANSFORMS)[number];
  generator_output_mode: (typeof GENERATOR_OUTPUT_MODES)[number];
  amp_activation: (typeof AMP_ACTIVATIONS)[number];
  object_big: boolean;
  probe_big: boolean;
  probe_mask: boolean;
  probe_mask_sigma: number;
  probe_mask_diameter: number | null;
  pad_object: boolean;
  probe_scale: number;
  gaussian_smoothing_sigma: number;
  /** EXTENSION (torch ModelConfig.cbam_encoder): CBAM attention in the encoder, on by default as in torch. */
  cbam_encoder: boolean;
  /** EXTENSION (torch ModelConfig.amp_loss / phase_loss): optional real-space terms on the generator outputs. */
  amp_loss: (typeof REALSPACE_LOSSES)[number] | null;
  phase_loss: (typeof REALSPACE_LOSSES)[number] | null;
  /** EXTENSION (torch ModelConfig.amp_loss_coeff / phase_loss_coeff). */
  amp_loss_coeff: number;
  phase_loss_coeff: number;
}

export interface TrainingConfig {
  model: ModelConfig;
  train_data_file: string | null;
  test_data_file: string | null;
  batch_size: number;
  nepochs: number;
  mae_weight: number;
  nll_weight: number;
  realspace_mae_weight: number;
  realspace_weight: number;
  nphotons: number;
  n_groups: number | null;
  /** DEPRECATED alias of n_groups (reference keeps it; we resolve it into n_groups). */
  n_images: number | null;
  n_subsample: number | null;
  subsample_seed: number | null;
  neighbor_count: number;
  enable_oversampling: boolean;
  neighbor_pool_size: number | null;
  positions_provided: boolean;
  probe_trainable: boolean;
  intensity_scale_trainable: boolean;
  output_dir: string;
  sequential_sampling: boolean;
  backend: (typeof BACKENDS)[number];
  torch_loss_mode: (typeof TORCH_LOSS_MODES)[number];
  torch_mae_pred_l2_match_target: boolean;
  gradient_clip_val: number | null;
  gradient_clip_algorithm: (typeof GRADIENT_CLIP_ALGORITHMS)[number];
  optimizer: (typeof OPTIMIZERS)[number];
  momentum: number;
  weight_decay: number;
  adam_beta1: number;
  adam_beta2: number;
  scheduler: (typeof SCHEDULERS)[number];
  lr_warmup_epochs: number;
  lr_min_ratio: number;
  plateau_factor: number;
  plateau_patience: number;
  plateau_min_lr: number;
  plateau_threshold: number;
  /** EXTENSION (PyTorchExecutionConfig.learning_rate): Adam step size. */
  learning_rate: number;
  /** EXTENSION: the one seed for grouping, shuffling and weight init (torch: `subsample_seed or 42`). */
  seed: number;
  /** EXTENSION (PyTorchExecutionConfig.early_stop_patience): epochs without val-loss improvement. */
  early_stop_patience: number;
  /** EXTENSION: fraction of groups held out for validation (TF `validation_split=0.05`); 0 = none. */
  validation_fraction: number;
}

export interface InferenceConfig {
  model: ModelConfig;
  model_path: string | null;
  test_data_file: string | null;
  /** null = all groups. */
  n_groups: number | null;
  n_images: number | null;
  n_subsample: number | null;
  subsample_seed: number | null;
  neighbor_count: number;
  enable_oversampling: boolean;
  neighbor_pool_size: number | null;
  debug: boolean;
  output_dir: string;
  backend: (typeof BACKENDS)[number];
}

// ---------------------------------------------------------------------------------------------
// Defaults (digest §2.1; extensions from §2.1 PyTorchExecutionConfig, §2.3, §4.8)
// ---------------------------------------------------------------------------------------------

export const MODEL_DEFAULTS: Readonly<ModelConfig> = Object.freeze({
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
  cbam_encoder: true,
  amp_loss: null,
  phase_loss: null,
  amp_loss_coeff: 1.0,
  phase_loss_coeff: 1.0,
});

/** Training defaults without `model` (n_groups left null: resolved to 512 by makeTrainingConfig). */
export const TRAINING_DEFAULTS: Readonly<Omit<TrainingConfig, 'model'>> = Object.freeze({
  train_data_file: null,
  test_data_file: null,
  batch_size: 16,
  nepochs: 50,
  mae_weight: 0.0,
  nll_weight: 1.0,
  realspace_mae_weight: 0.0,
  realspace_weight: 0.0,
  nphotons: 1e9,
  n_groups: null,
  n_images: null,
  n_subsample: null,
  subsample_seed: null,
  neighbor_count: 4,
  enable_oversampling: false,
  neighbor_pool_size: null,
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
  learning_rate: 1e-3,
  seed: 42,
  early_stop_patience: 100,
  validation_fraction: 0.05,
});

export const INFERENCE_DEFAULTS: Readonly<Omit<InferenceConfig, 'model'>> = Object.freeze({
  model_path: null,
  test_data_file: null,
  n_groups: null,
  n_images: null,
  n_subsample: null,
  subsample_seed: null,
  neighbor_count: 4,
  enable_oversampling: false,
  neighbor_pool_size: null,
  debug: false,
  output_dir: 'inference_outputs',
  backend: 'tensorflow',
});

/** Field names per config (used to refuse unknown keys). */
export const MODEL_FIELDS = Object.keys(MODEL_DEFAULTS) as (keyof ModelConfig)[];
export const TRAINING_FIELDS = ['model', ...Object.keys(TRAINING_DEFAULTS)] as (keyof TrainingConfig)[];
export const INFERENCE_FIELDS = ['model', ...Object.keys(INFERENCE_DEFAULTS)] as (keyof InferenceConfig)[];

// ---------------------------------------------------------------------------------------------
// Construction: defaults + overrides (null/undefined = "not given" → default), as the dataclass ctor
// ---------------------------------------------------------------------------------------------

function mergeDefined<T extends object>(defaults: Readonly<T>, over: Partial<Record<keyof T, unknown>> | undefined): T {
  const out = { ...defaults } as T;
  if (!over) return out;
  for (const [k, v] of Object.entries(over)) {
    if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

export function makeModelConfig(over?: Partial<ModelConfig>): ModelConfig {
  return mergeDefined(MODEL_DEFAULTS, over);
}

/**
 * Training config from defaults + overrides. Mirrors `TrainingConfig.__post_init__`: n_images (deprecated)
 * fills n_groups when n_groups is unset; both unset → n_groups = 512.
 */
export function makeTrainingConfig(
  over?: Omit<Partial<TrainingConfig>, 'model'> & { model?: Partial<ModelConfig> },
): TrainingConfig {
  const { model, ...rest } = over ?? {};
  const cfg = mergeDefined(TRAINING_DEFAULTS as Omit<TrainingConfig, 'model'>, rest) as TrainingConfig;
  cfg.model = makeModelConfig(model);
  if (cfg.n_groups == null) cfg.n_groups = cfg.n_images != null ? cfg.n_images : DEFAULT_N_GROUPS;
  return cfg;
}

/** Inference config: n_images fills n_groups when unset; both unset stays null (= all groups). */
export function makeInferenceConfig(
  over?: Omit<Partial<InferenceConfig>, 'model'> & { model?: Partial<ModelConfig> },
): InferenceConfig {
  const { model, ...rest } = over ?? {};
  const cfg = mergeDefined(INFERENCE_DEFAULTS as Omit<InferenceConfig, 'model'>, rest) as InferenceConfig;
  cfg.model = makeModelConfig(model);
  if (cfg.n_groups == null && cfg.n_images != null) cfg.n_groups = cfg.n_images;
  return cfg;
}

// ---------------------------------------------------------------------------------------------
// Validation (validate_model_config / validate_training_config + type checks for file input)
// ---------------------------------------------------------------------------------------------

function bad(field: string, value: unknown, allowed: string): never {
  throw new PtychoError(
    'config',
    `config field '${field}' has invalid value ${JSON.stringify(value)}`,
    `allowed: ${allowed}`,
    { field },
  );
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => Number.isInteger(v);

function oneOf(field: string, v: unknown, allowed: readonly unknown[]): void {
  if (!allowed.includes(v)) bad(field, v, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
}
function bool(field: string, v: unknown): void {
  if (typeof v !== 'boolean') bad(field, v, 'true or false');
}
function posInt(field: string, v: unknown): void {
  if (!isInt(v) || (v as number) < 1) bad(field, v, 'an integer ≥ 1');
}
function nonNegInt(field: string, v: unknown): void {
  if (!isInt(v) || (v as number) < 0) bad(field, v, 'an integer ≥ 0');
}
function optPosInt(field: string, v: unknown): void {
  if (v !== null) posInt(field, v);
}
function optNonNegInt(field: string, v: unknown): void {
  if (v !== null) nonNegInt(field, v);
}
function positive(field: string, v: unknown): void {
  if (!isNum(v) || v <= 0) bad(field, v, 'a finite number > 0');
}
function nonNeg(field: string, v: unknown): void {
  if (!isNum(v) || v < 0) bad(field, v, 'a finite number ≥ 0');
}
function unit(field: string, v: unknown): void {
  if (!isNum(v) || v < 0 || v > 1) bad(field, v, 'a number in [0, 1]');
}
function optPath(field: string, v: unknown): void {
  if (v !== null && (typeof v !== 'string' || v.length === 0)) bad(field, v, 'a non-empty path string or null');
}
function path(field: string, v: unknown): void {
  if (typeof v !== 'string' || v.length === 0) bad(field, v, 'a non-empty path string');
}

export function validateModelConfig(m: ModelConfig): void {
  oneOf('model.N', m.N, N_VALUES);
  posInt('model.gridsize', m.gridsize);
  const s = m.n_filters_scale;
  if (!(FRACTIONAL_FILTER_SCALES as readonly number[]).includes(s) && !(isInt(s) && s >= 1)) {
    bad('model.n_filters_scale', s, 'an integer ≥ 1, or 0.25 / 0.5 (our small-model extension)');
  }
  oneOf('model.model_type', m.model_type, MODEL_TYPES);
  oneOf('model.architecture', m.architecture, ARCHITECTURES);
  posInt('model.fno_modes', m.fno_modes);
  posInt('model.fno_width', m.fno_width);
  posInt('model.fno_blocks', m.fno_blocks);
  nonNegInt('model.fno_cnn_blocks', m.fno_cnn_blocks);
  posInt('model.learned_input_channels', m.learned_input_channels);
  optPosInt('model.max_hidden_channels', m.max_hidden_channels);
  optPosInt('model.resnet_width', m.resnet_width);
  oneOf('model.fno_input_transform', m.fno_input_transform, FNO_INPUT_TRANSFORMS);
  oneOf('model.generator_output_mode', m.generator_output_mode, GENERATOR_OUTPUT_MODES);
  oneOf('model.amp_activation', m.amp_activation, AMP_ACTIVATIONS);
  bool('model.object_big', m.object_big);
  bool('model.probe_big', m.probe_big);
  bool('model.probe_mask', m.probe_mask);
  positive('model.probe_mask_sigma', m.probe_mask_sigma);
  if (m.probe_mask_diameter !== null) positive('model.probe_mask_diameter', m.probe_mask_diameter);
  bool('model.pad_object', m.pad_object);
  positive('model.probe_scale', m.probe_scale);
  nonNeg('model.gaussian_smoothing_sigma', m.gaussian_smoothing_sigma);
  bool('model.cbam_encoder', m.cbam_encoder);
  if (m.amp_loss !== null) oneOf('model.amp_loss', m.amp_loss, REALSPACE_LOSSES);
  if (m.phase_loss !== null) oneOf('model.phase_loss', m.phase_loss, REALSPACE_LOSSES);
  nonNeg('model.amp_loss_coeff', m.amp_loss_coeff);
  nonNeg('model.phase_loss_coeff', m.phase_loss_coeff);
}

/** Shared by training and inference (grouping / sampling fields). */
function validateSampling(c: TrainingConfig | InferenceConfig): void {
  optPosInt('n_groups', c.n_groups);
  optPosInt('n_images', c.n_images);
  optPosInt('n_subsample', c.n_subsample);
  optNonNegInt('subsample_seed', c.subsample_seed);
  posInt('neighbor_count', c.neighbor_count);
  bool('enable_oversampling', c.enable_oversampling);
  optPosInt('neighbor_pool_size', c.neighbor_pool_size);
  path('output_dir', c.output_dir);
  oneOf('backend', c.backend, BACKENDS);
  optPath('test_data_file', c.test_data_file);
}

export function validateTrainingConfig(c: TrainingConfig): void {
  validateModelConfig(c.model);
  optPath('train_data_file', c.train_data_file);
  const b = c.batch_size;
  if (!isInt(b) || b < 1 || (b & (b - 1)) !== 0) bad('batch_size', b, 'a positive power of two (1, 2, 4, 8, 16, …)');
  posInt('nepochs', c.nepochs);
  unit('mae_weight', c.mae_weight);
  unit('nll_weight', c.nll_weight);
  nonNeg('realspace_mae_weight', c.realspace_mae_weight);
  nonNeg('realspace_weight', c.realspace_weight);
  positive('nphotons', c.nphotons);
  validateSampling(c);
  bool('positions_provided', c.positions_provided);
  bool('probe_trainable', c.probe_trainable);
  bool('intensity_scale_trainable', c.intensity_scale_trainable);
  bool('sequential_sampling', c.sequential_sampling);
  oneOf('torch_loss_mode', c.torch_loss_mode, TORCH_LOSS_MODES);
  bool('torch_mae_pred_l2_match_target', c.torch_mae_pred_l2_match_target);
  if (c.gradient_clip_val !== null) positive('gradient_clip_val', c.gradient_clip_val);
  oneOf('gradient_clip_algorithm', c.gradient_clip_algorithm, GRADIENT_CLIP_ALGORITHMS);
  oneOf('optimizer', c.optimizer, OPTIMIZERS);
  unit('momentum', c.momentum);
  nonNeg('weight_decay', c.weight_decay);
  if (!isNum(c.adam_beta1) || c.adam_beta1 < 0 || c.adam_beta1 >= 1)
    bad('adam_beta1', c.adam_beta1, 'a number in [0, 1)');
  if (!isNum(c.adam_beta2) || c.adam_beta2 < 0 || c.adam_beta2 >= 1)
    bad('adam_beta2', c.adam_beta2, 'a number in [0, 1)');
  oneOf('scheduler', c.scheduler, SCHEDULERS);
  nonNegInt('lr_warmup_epochs', c.lr_warmup_epochs);
  unit('lr_min_ratio', c.lr_min_ratio);
  if (!isNum(c.plateau_factor) || c.plateau_factor <= 0 || c.plateau_factor >= 1)
    bad('plateau_factor', c.plateau_factor, 'a number in (0, 1)');
  nonNegInt('plateau_patience', c.plateau_patience);
  nonNeg('plateau_min_lr', c.plateau_min_lr);
  nonNeg('plateau_threshold', c.plateau_threshold);
  positive('learning_rate', c.learning_rate);
  if (!isInt(c.seed) || c.seed < 0 || c.seed > 0xffffffff) bad('seed', c.seed, 'an integer in [0, 4294967295]');
  nonNegInt('early_stop_patience', c.early_stop_patience);
  if (!isNum(c.validation_fraction) || c.validation_fraction < 0 || c.validation_fraction >= 1) {
    bad('validation_fraction', c.validation_fraction, 'a number in [0, 1) (0 = no validation split)');
  }
  // Supervised training needs the MAE loss (digest §4.6: supervised requires torch_loss_mode='mae').
  if (c.model.model_type === 'supervised' && c.torch_loss_mode !== 'mae') {
    bad('torch_loss_mode', c.torch_loss_mode, "'mae' when model.model_type is 'supervised'");
  }
}

export function validateInferenceConfig(c: InferenceConfig): void {
  validateModelConfig(c.model);
  optPath('model_path', c.model_path);
  validateSampling(c);
  bool('debug', c.debug);
}

// ---------------------------------------------------------------------------------------------
// N from the probe
// ---------------------------------------------------------------------------------------------

/**
 * Set `model.N` from the probe's side length (reference `infer_probe_size` = probeGuess.shape[0]).
 * The reference lets an explicit N override win, which only fails later (probe/patch shape mismatch);
 * we refuse it up front: when `explicitN` is true and the config's N differs from the probe, throw.
 */
export function withProbeSize<C extends { model: ModelConfig }>(
  cfg: C,
  probeN: number,
  opts: { explicitN?: boolean } = {},
): C {
  if (!(N_VALUES as readonly number[]).includes(probeN)) {
    throw new PtychoError(
      'config',
      `probe side length ${probeN} is not a supported patch size N`,
      `use a probe of ${N_VALUES.join(', ')} pixels square (pad or crop the probe)`,
    );
  }
  if (opts.explicitN && cfg.model.N !== probeN) {
    throw new PtychoError(
      'config',
      `config field 'model.N' is ${cfg.model.N} but the probe is ${probeN}×${probeN}`,
      `remove 'N' from the config (it is taken from the probe) or set it to ${probeN}`,
    );
  }
  return { ...cfg, model: { ...cfg.model, N: probeN as PatchSize } };
}
