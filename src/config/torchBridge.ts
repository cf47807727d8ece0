/**
 * PyTorch-style configs (`ptycho_torch/config_params.py`, digest §2.3) and the bridge to and from the
 * canonical configs:
 *  - `toTorchConfigs(canonical)` mimics `config_factory.create_training_payload` (digest §2.4):
 *    grid_size=(gs,gs), C=C_model=C_forward=gs², K=neighbor_count, epochs=nepochs, mode from model_type,
 *    nll = nll_weight > 0; every torch default not overridden stays (e.g. cbam_encoder=True).
 *  - `fromTorchConfigs(torch, overrides)` mimics `config_bridge.to_model_config` + `to_training_config`,
 *    raising where the reference raises; `fromTorchInference` mimics `to_inference_config`.
 * Only the fields the bridge or our engine touch are modelled.
 */
import { PtychoError } from '../errors.ts';
import {
  makeInferenceConfig,
  makeModelConfig,
  makeTrainingConfig,
  type InferenceConfig,
  type ModelConfig,
  type TrainingConfig,
} from './schema.ts';

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

export const TORCH_TRAINING_DEFAULTS: Readonly<TorchTrainingConfig> = Object.freeze({
  nll: true,
  learning_rate: 1e-3,
  epochs: 50,
  batch_size: 16,
  scheduler: 'Default',
  lr_warmup_epochs: 0,
  lr_min_ratio: 0.1,
  plateau_factor: 0.5,
  plateau_patience: 2,
  plateau_min_lr: 5e-5,
  plateau_threshold: 0.0,
  accum_steps: 1,
  gradient_clip_val: null,
  gradient_clip_algorithm: 'norm',
  optimizer: 'adam',
  momentum: 0.9,
  weight_decay: 0.0,
  adam_beta1: 0.9,
  adam_beta2: 0.999,
  torch_loss_mode: 'poisson',
  torch_mae_pred_l2_match_target: false,
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

// ---------------------------------------------------------------------------------------------
// Field maps (shared with serialize.ts for the flat PyTorch spellings)
// ---------------------------------------------------------------------------------------------

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
    throw new PtychoError('config', `config field '${where}' is ${JSON.stringify(gridSize)}`, 'give two positive integers, e.g. [2, 2]');
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
    throw new PtychoError('config', `config field '${where}' has invalid value ${JSON.stringify(mode)}`, "use 'Unsupervised' or 'Supervised'");
  }
  return MODE_TO_MODEL_TYPE[mode];
}

export function activationToCanonical(act: unknown, where = 'amp_activation'): ModelConfig['amp_activation'] {
  const v = typeof act === 'string' && Object.hasOwn(ACTIVATION_TO_CANONICAL, act) ? ACTIVATION_TO_CANONICAL[act] : undefined;
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
function probeMaskToBool(m: TorchModelConfig['probe_mask']): boolean {
  if (m === null || m === undefined) return false;
  if (typeof m === 'boolean') return m;
  return true;
}

// ---------------------------------------------------------------------------------------------
// canonical → torch
// ---------------------------------------------------------------------------------------------

/** `create_training_payload`: torch configs from a canonical TrainingConfig. */
export function toTorchConfigs(c: TrainingConfig): TorchConfigs {
  const gs = c.model.gridsize;
  const C = gs * gs;
  return makeTorchConfigs({
    data: {
      N: c.model.N,
      grid_size: [gs, gs],
      C,
      K: c.neighbor_count,
      nphotons: c.nphotons,
      subsample_seed: c.subsample_seed,
      probe_scale: c.model.probe_scale,
    },
    model: {
      mode: MODEL_TYPE_TO_MODE[c.model.model_type],
      architecture: c.model.architecture,
      generator_output_mode: c.model.generator_output_mode,
      amp_activation: c.model.amp_activation,
      n_filters_scale: c.model.n_filters_scale,
      object_big: c.model.object_big,
      probe_big: c.model.probe_big,
      probe_mask: c.model.probe_mask,
      probe_mask_sigma: c.model.probe_mask_sigma,
      probe_mask_diameter: c.model.probe_mask_diameter,
      pad_object: c.model.pad_object,
      gaussian_smoothing_sigma: c.model.gaussian_smoothing_sigma,
      cbam_encoder: c.model.cbam_encoder,
      intensity_scale_trainable: c.intensity_scale_trainable,
      C_model: C,
      C_forward: C,
      loss_function: c.torch_loss_mode === 'mae' ? 'MAE' : 'Poisson',
    },
    training: {
      epochs: c.nepochs,
      batch_size: c.batch_size,
      nll: c.nll_weight > 0,
      learning_rate: c.learning_rate,
      scheduler: c.scheduler,
      lr_warmup_epochs: c.lr_warmup_epochs,
      lr_min_ratio: c.lr_min_ratio,
      plateau_factor: c.plateau_factor,
      plateau_patience: c.plateau_patience,
      plateau_min_lr: c.plateau_min_lr,
      plateau_threshold: c.plateau_threshold,
      gradient_clip_val: c.gradient_clip_val,
      gradient_clip_algorithm: c.gradient_clip_algorithm,
      optimizer: c.optimizer,
      momentum: c.momentum,
      weight_decay: c.weight_decay,
      adam_beta1: c.adam_beta1,
      adam_beta2: c.adam_beta2,
      torch_loss_mode: c.torch_loss_mode,
      torch_mae_pred_l2_match_target: c.torch_mae_pred_l2_match_target,
      output_dir: c.output_dir,
      train_data_file: c.train_data_file,
      test_data_file: c.test_data_file,
      n_groups: c.n_groups,
    },
    execution: {
      learning_rate: c.learning_rate,
      early_stop_patience: c.early_stop_patience,
      gradient_clip_val: c.gradient_clip_val,
      gradient_clip_algorithm: c.gradient_clip_algorithm,
      scheduler: c.scheduler,
    },
  });
}

// ---------------------------------------------------------------------------------------------
// torch → canonical
// ---------------------------------------------------------------------------------------------

/** `config_bridge.to_model_config(data, model, overrides)`. */
export function toModelConfig(data: TorchDataConfig, model: TorchModelConfig, overrides: Partial<ModelConfig> = {}): ModelConfig {
  const gridsize = gridSizeToGridsize(data.grid_size);
  const model_type = modeToModelType(model.mode);
  const amp_activation = activationToCanonical(model.amp_activation);
  return makeModelConfig({
    N: data.N as ModelConfig['N'],
    gridsize,
    n_filters_scale: model.n_filters_scale,
    model_type,
    architecture: model.architecture,
    generator_output_mode: model.generator_output_mode,
    amp_activation,
    object_big: model.object_big,
    probe_big: model.probe_big,
    probe_mask: probeMaskToBool(model.probe_mask),
    probe_mask_sigma: model.probe_mask_sigma,
    probe_mask_diameter: model.probe_mask_diameter,
    pad_object: model.pad_object,
    probe_scale: data.probe_scale,
    gaussian_smoothing_sigma: model.gaussian_smoothing_sigma,
    cbam_encoder: model.cbam_encoder,
    ...overrides,
  });
}

/** Canonical training fields that only come from overrides (they have no torch counterpart here). */
export type TrainingOverrides = Omit<Partial<TrainingConfig>, 'model'>;

export interface BridgeOptions {
  /** The reference requires train_data_file (its workflows load files); the web app gets data by drop. */
  requireTrainDataFile?: boolean;
}

/**
 * `config_bridge.to_training_config(model, data, pt_model, training, overrides)`. Raises as the reference:
 * nphotons not overridden while the torch default 1e5 is in effect; n_groups missing; train_data_file
 * missing (unless `requireTrainDataFile: false`).
 */
export function toTrainingConfig(
  model: ModelConfig,
  t: Pick<TorchConfigs, 'data' | 'model' | 'training'> & { execution?: TorchExecutionConfig },
  overrides: TrainingOverrides = {},
  opts: BridgeOptions = {},
): TrainingConfig {
  const { data, model: pt, training: tr } = t;
  // Without an execution config, the torch TrainingConfig's own copies of these knobs apply.
  const ex: TorchExecutionConfig = t.execution ?? {
    learning_rate: tr.learning_rate,
    early_stop_patience: TORCH_EXECUTION_DEFAULTS.early_stop_patience,
    gradient_clip_val: tr.gradient_clip_val,
    gradient_clip_algorithm: tr.gradient_clip_algorithm,
    scheduler: tr.scheduler,
    accum_steps: tr.accum_steps,
  };
  if (!('nphotons' in overrides && overrides.nphotons != null) && data.nphotons === TORCH_DEFAULT_NPHOTONS) {
    throw new PtychoError(
      'config',
      `nphotons is the PyTorch default ${TORCH_DEFAULT_NPHOTONS}, which differs from the canonical default 1e9`,
      'give nphotons explicitly (e.g. "nphotons": 1e9) so the photon scale is not silently changed',
    );
  }
  const kw: TrainingOverrides = {
    batch_size: tr.batch_size,
    nepochs: tr.epochs,
    nll_weight: tr.nll ? 1.0 : 0.0,
    neighbor_count: data.K,
    nphotons: data.nphotons,
    intensity_scale_trainable: pt.intensity_scale_trainable,
    backend: 'pytorch',
    mae_weight: 0.0,
    realspace_mae_weight: 0.0,
    realspace_weight: 0.0,
    positions_provided: true,
    probe_trainable: false,
    sequential_sampling: false,
    // Reference leaves these to overrides only.
    train_data_file: null,
    test_data_file: null,
    n_groups: null,
    n_subsample: null,
    subsample_seed: null,
    output_dir: 'training_outputs',
    // Torch optimisation knobs (ours: carried over, the reference reads them from the execution config).
    torch_loss_mode: tr.torch_loss_mode,
    torch_mae_pred_l2_match_target: tr.torch_mae_pred_l2_match_target,
    optimizer: tr.optimizer,
    momentum: tr.momentum,
    weight_decay: tr.weight_decay,
    adam_beta1: tr.adam_beta1,
    adam_beta2: tr.adam_beta2,
    lr_warmup_epochs: tr.lr_warmup_epochs,
    lr_min_ratio: tr.lr_min_ratio,
    plateau_factor: tr.plateau_factor,
    plateau_patience: tr.plateau_patience,
    plateau_min_lr: tr.plateau_min_lr,
    plateau_threshold: tr.plateau_threshold,
    learning_rate: ex.learning_rate,
    early_stop_patience: ex.early_stop_patience,
    gradient_clip_val: ex.gradient_clip_val,
    gradient_clip_algorithm: ex.gradient_clip_algorithm,
    ...overrides,
  };
  if (kw.scheduler === undefined) {
    const sched = ex.scheduler;
    if (sched === 'MultiStage' || sched === 'Adaptive') {
      throw new PtychoError('config', `scheduler '${sched}' has no canonical counterpart`, 'use Default, Exponential, WarmupCosine or ReduceLROnPlateau');
    }
    kw.scheduler = sched;
  }
  if (kw.n_groups == null) {
    throw new PtychoError('config', 'n_groups is missing from the overrides of the PyTorch → canonical training bridge', 'give n_groups, e.g. 512');
  }
  if ((opts.requireTrainDataFile ?? true) && kw.train_data_file == null) {
    throw new PtychoError('config', 'train_data_file is missing from the overrides of the PyTorch → canonical training bridge', 'give train_data_file (path of the training NPZ)');
  }
  // makeTrainingConfig treats null as "unset → default"; restore the bridge's explicit nulls.
  const cfg = makeTrainingConfig({ ...kw, model });
  cfg.train_data_file = kw.train_data_file ?? null;
  cfg.test_data_file = kw.test_data_file ?? null;
  cfg.n_subsample = kw.n_subsample ?? null;
  cfg.subsample_seed = kw.subsample_seed ?? null;
  return cfg;
}

/** Both steps: torch configs (+ overrides for fields torch lacks) → canonical TrainingConfig. */
export function fromTorchConfigs(
  t: TorchConfigs,
  overrides: TrainingOverrides & { model?: Partial<ModelConfig> } = {},
  opts: BridgeOptions = {},
): TrainingConfig {
  const { model: modelOver, ...rest } = overrides;
  return toTrainingConfig(toModelConfig(t.data, t.model, modelOver ?? {}), t, rest, opts);
}

/** `config_bridge.to_inference_config`: K → neighbor_count; model_path and test_data_file are required. */
export function fromTorchInference(
  model: ModelConfig,
  data: TorchDataConfig,
  overrides: Omit<Partial<InferenceConfig>, 'model'> = {},
): InferenceConfig {
  const kw: Omit<Partial<InferenceConfig>, 'model'> = {
    neighbor_count: data.K,
    backend: 'pytorch',
    debug: false,
    model_path: null,
    test_data_file: null,
    n_groups: null,
    n_subsample: null,
    subsample_seed: null,
    output_dir: 'inference_outputs',
    ...overrides,
  };
  if (kw.model_path == null) {
    throw new PtychoError('config', 'model_path is missing from the overrides of the PyTorch → canonical inference bridge', 'give model_path (the trained model archive)');
  }
  if (kw.test_data_file == null) {
    throw new PtychoError('config', 'test_data_file is missing from the overrides of the PyTorch → canonical inference bridge', 'give test_data_file (the NPZ to reconstruct)');
  }
  return makeInferenceConfig({ ...kw, model });
}
