/**
 * The PyTorch-style configs (`ptycho_torch/config_params.py`: DataConfig, ModelConfig, TrainingConfig, the slice of
 * PyTorchExecutionConfig our engine uses, InferenceConfig) with the reference's defaults (specs/config.md §3), and
 * the value maps between torch spellings and canonical ones (mode, activation, grid_size, probe_mask). Only the
 * fields the bridge (src/config/torchBridge.ts) or our engine touch are modelled.
 */
import { PtychoError } from '../errors.ts';
import type { ModelConfig } from './fieldTable.ts';
import { OPTIM_ROWS } from './optimFields.ts';

export interface TorchDataConfig {
  nphotons: number;
  scale_contract_version: 'ci_intensity_v2' | 'legacy_v1';
  measurement_domain: 'count_intensity' | 'normalized_amplitude';
  N: number;
  C: number;
  K: number;
  K_quadrant: number;
  n_subsample: number;
  subsample_seed: number | null;
  grid_size: [number, number];
  neighbor_function: 'Nearest' | 'Min_dist' | '4_quadrant';
  min_neighbor_distance: number;
  max_neighbor_distance: number;
  scan_pattern: string;
  normalize: 'Group' | 'Batch' | 'None';
  probe_scale: number;
  probe_normalize: boolean;
  data_scaling: 'Parseval' | 'Max';
  phase_subtraction: boolean;
  x_bounds: [number, number];
  y_bounds: [number, number];
}

export interface TorchModelConfig {
  mode: 'Supervised' | 'Unsupervised';
  architecture: ModelConfig['architecture'];
  generator_output_mode: ModelConfig['generator_output_mode'];
  cnn_output_mode: 'amp_phase' | 'real_imag';
  intensity_scale_trainable: boolean;
  intensity_scale: number;
  max_position_jitter: number;
  C_model: number;
  n_filters_scale: number;
  /** Torch spelling; 'silu'/'SiLU' ≡ canonical 'swish'. */
  amp_activation: string;
  batch_norm: boolean;
  /** bool, or a mask array (a "tensor"), or null. */
  probe_mask: boolean | ArrayLike<number> | null;
  probe_mask_sigma: number;
  probe_mask_diameter: number | null;
  cbam_encoder: boolean;
  object_big: boolean;
  probe_big: boolean;
  offset: number;
  C_forward: number;
  training_patch_weighting: 'central_mask' | 'probe' | 'uniform';
  physics_forward_mode: 'amplitude' | 'rectangular_scaled';
  pad_object: boolean;
  gaussian_smoothing_sigma: number;
  loss_function: 'MAE' | 'Poisson';
}

export interface TorchTrainingConfig {
  nll: boolean;
  learning_rate: number;
  epochs: number;
  batch_size: number;
  scheduler: 'Default' | 'Exponential' | 'MultiStage' | 'Adaptive' | 'WarmupCosine' | 'ReduceLROnPlateau';
  lr_warmup_epochs: number;
  lr_min_ratio: number;
  plateau_factor: number;
  plateau_patience: number;
  plateau_min_lr: number;
  plateau_threshold: number;
  accum_steps: number;
  gradient_clip_val: number | null;
  gradient_clip_algorithm: 'norm' | 'value' | 'agc';
  optimizer: 'adam' | 'adamw' | 'sgd';
  momentum: number;
  weight_decay: number;
  adam_beta1: number;
  adam_beta2: number;
  torch_loss_mode: 'poisson' | 'mae';
  torch_mae_pred_l2_match_target: boolean;
  output_dir: string;
  train_data_file: string | null;
  test_data_file: string | null;
  n_groups: number | null;
}

/** The slice of PyTorchExecutionConfig our engine uses. */
export interface TorchExecutionConfig {
  learning_rate: number;
  early_stop_patience: number;
  gradient_clip_val: number | null;
  gradient_clip_algorithm: 'norm' | 'value' | 'agc';
  scheduler: TorchTrainingConfig['scheduler'];
  accum_steps: number;
}

export interface TorchInferenceConfig {
  middle_trim: number;
  batch_size: number;
  experiment_number: number;
  pad_eval: boolean;
  window: number;
  patch_weighting: 'uniform' | 'probe';
  varpro_scaling: boolean;
}

export interface TorchConfigs {
  data: TorchDataConfig;
  model: TorchModelConfig;
  training: TorchTrainingConfig;
  execution: TorchExecutionConfig;
}

/** Torch DataConfig default for nphotons; the reference refuses to silently carry it into canonical (1e9). */
export const TORCH_DEFAULT_NPHOTONS = 1e5;

export const TORCH_DATA_DEFAULTS: Readonly<TorchDataConfig> = Object.freeze({
  nphotons: TORCH_DEFAULT_NPHOTONS,
  scale_contract_version: 'ci_intensity_v2',
  measurement_domain: 'count_intensity',
  N: 64,
  C: 4,
  K: 6,
  K_quadrant: 30,
  n_subsample: 7,
  subsample_seed: null,
  grid_size: [2, 2],
  neighbor_function: 'Nearest',
  min_neighbor_distance: 0.0,
  max_neighbor_distance: 3.0,
  scan_pattern: 'Isotropic',
  normalize: 'Batch',
  probe_scale: 4.0,
  probe_normalize: true,
  data_scaling: 'Parseval',
  phase_subtraction: true,
  x_bounds: [0.1, 0.9],
  y_bounds: [0.1, 0.9],
}) as Readonly<TorchDataConfig>;

export const TORCH_MODEL_DEFAULTS: Readonly<TorchModelConfig> = Object.freeze({
  mode: 'Unsupervised',
  architecture: 'cnn',
  generator_output_mode: 'real_imag',
  cnn_output_mode: 'amp_phase',
  intensity_scale_trainable: false,
  intensity_scale: 10000.0,
  max_position_jitter: 10,
  C_model: 4,
  n_filters_scale: 2,
  amp_activation: 'silu',
  batch_norm: false,
  probe_mask: false,
  probe_mask_sigma: 1.0,
  probe_mask_diameter: null,
  cbam_encoder: true,
  object_big: true,
  probe_big: true,
  offset: 6,
  C_forward: 4,
  training_patch_weighting: 'central_mask',
  physics_forward_mode: 'amplitude',
  pad_object: true,
  gaussian_smoothing_sigma: 0.0,
  loss_function: 'Poisson',
}) as Readonly<TorchModelConfig>;

/**
 * The loss-mode, clipping, optimiser and scheduler defaults (and learning_rate): the torch TrainingConfig and the
 * canonical one agree on them field by field, so they are read off the canonical rows that map to `training.<same
 * name>` (src/config/optimFields.ts).
 */
const SHARED_OPTIM_DEFAULTS = Object.fromEntries(
  OPTIM_ROWS.filter((r) => 'torch' in r && (r.torch as readonly string[]).includes(`training.${r.name}`)).map((r) => [
    r.name,
    r.default,
  ]),
);

export const TORCH_TRAINING_DEFAULTS: Readonly<TorchTrainingConfig> = Object.freeze({
  nll: true,
  epochs: 50,
  batch_size: 16,
  accum_steps: 1,
  ...SHARED_OPTIM_DEFAULTS,
  output_dir: 'training_outputs',
  train_data_file: null,
  test_data_file: null,
  n_groups: null,
}) as Readonly<TorchTrainingConfig>;

export const TORCH_EXECUTION_DEFAULTS: Readonly<TorchExecutionConfig> = Object.freeze({
  learning_rate: 1e-3,
  early_stop_patience: 100,
  gradient_clip_val: null,
  gradient_clip_algorithm: 'norm',
  scheduler: 'Default',
  accum_steps: 1,
}) as Readonly<TorchExecutionConfig>;

export const TORCH_INFERENCE_DEFAULTS: Readonly<TorchInferenceConfig> = Object.freeze({
  middle_trim: 32,
  batch_size: 1000,
  experiment_number: 0,
  pad_eval: true,
  window: 20,
  patch_weighting: 'probe',
  varpro_scaling: true,
}) as Readonly<TorchInferenceConfig>;

/** Default-constructed torch configs with `over` applied per part (`update_existing_config`). */
export function makeTorchConfigs(over: { [K in keyof TorchConfigs]?: Partial<TorchConfigs[K]> } = {}): TorchConfigs {
  return {
    data: { ...TORCH_DATA_DEFAULTS, grid_size: [...TORCH_DATA_DEFAULTS.grid_size], ...over.data } as TorchDataConfig,
    model: { ...TORCH_MODEL_DEFAULTS, ...over.model },
    training: { ...TORCH_TRAINING_DEFAULTS, ...over.training },
    execution: { ...TORCH_EXECUTION_DEFAULTS, ...over.execution },
  };
}

// Value maps between torch and canonical spellings (config_bridge)

export const MODE_TO_MODEL_TYPE = { Unsupervised: 'pinn', Supervised: 'supervised' } as const;
export const MODEL_TYPE_TO_MODE = { pinn: 'Unsupervised', supervised: 'Supervised' } as const;
/** config_bridge activation map (torch name → canonical). */
export const ACTIVATION_TO_CANONICAL: Readonly<Record<string, ModelConfig['amp_activation']>> = Object.freeze({
  silu: 'swish',
  SiLU: 'swish',
  sigmoid: 'sigmoid',
  swish: 'swish',
  softplus: 'softplus',
  relu: 'relu',
});

/** `grid_size` (must be square) → gridsize. */
export function gridSizeToGridsize(gridSize: unknown, where = 'grid_size'): number {
  if (!Array.isArray(gridSize) || gridSize.length !== 2 || !gridSize.every((g) => Number.isInteger(g) && g >= 1)) {
    throw new PtychoError(
      'config',
      `config field '${where}' is ${JSON.stringify(gridSize)}`,
      'give two positive integers, e.g. [2, 2]',
    );
  }
  if (gridSize[0] !== gridSize[1]) {
    throw new PtychoError(
      'config',
      `non-square grids are not supported: ${where}=${JSON.stringify(gridSize)}`,
      'use a square grid, e.g. [2, 2] (gridsize 2)',
    );
  }
  return gridSize[0] as number;
}

export function modeToModelType(mode: unknown, where = 'mode'): ModelConfig['model_type'] {
  if (mode !== 'Unsupervised' && mode !== 'Supervised') {
    throw new PtychoError(
      'config',
      `config field '${where}' has invalid value ${JSON.stringify(mode)}`,
      "use 'Unsupervised' or 'Supervised'",
    );
  }
  return MODE_TO_MODEL_TYPE[mode];
}

export function activationToCanonical(act: unknown, where = 'amp_activation'): ModelConfig['amp_activation'] {
  const v =
    typeof act === 'string' && Object.hasOwn(ACTIVATION_TO_CANONICAL, act) ? ACTIVATION_TO_CANONICAL[act] : undefined;
  if (!v) {
    throw new PtychoError(
      'config',
      `config field '${where}' has unknown activation ${JSON.stringify(act)}`,
      `supported: ${Object.keys(ACTIVATION_TO_CANONICAL).join(', ')}`,
    );
  }
  return v;
}

/** Torch probe_mask (bool | mask tensor | null) → canonical bool: a tensor means masking on. */
export function probeMaskToBool(m: TorchModelConfig['probe_mask']): boolean {
  if (m === null || m === undefined) return false;
  if (typeof m === 'boolean') return m;
  return true;
}
