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
import { dataclassToLegacyDict, KEY_MAPPINGS, type LegacyDict } from './legacy.ts';

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
export function toModelConfig(
  data: TorchDataConfig,
  model: TorchModelConfig,
  overrides: Partial<ModelConfig> = {},
): ModelConfig {
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
      throw new PtychoError(
        'config',
        `scheduler '${sched}' has no canonical counterpart`,
        'use Default, Exponential, WarmupCosine or ReduceLROnPlateau',
      );
    }
    kw.scheduler = sched;
  }
  if (kw.n_groups == null) {
    throw new PtychoError(
      'config',
      'n_groups is missing from the overrides of the PyTorch → canonical training bridge',
      'give n_groups, e.g. 512',
    );
  }
  if ((opts.requireTrainDataFile ?? true) && kw.train_data_file == null) {
    throw new PtychoError(
      'config',
      'train_data_file is missing from the overrides of the PyTorch → canonical training bridge',
      'give train_data_file (path of the training NPZ)',
    );
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
    throw new PtychoError(
      'config',
      'model_path is missing from the overrides of the PyTorch → canonical inference bridge',
      'give model_path (the trained model archive)',
    );
  }
  if (kw.test_data_file == null) {
    throw new PtychoError(
      'config',
      'test_data_file is missing from the overrides of the PyTorch → canonical inference bridge',
      'give test_data_file (the NPZ to reconstruct)',
    );
  }
  return makeInferenceConfig({ ...kw, model });
}

// ---------------------------------------------------------------------------------------------
// canonical → the reference's persisted bundle (wts.h5.zip: params.dill, torch_scaling_metadata.pt)
// ---------------------------------------------------------------------------------------------

/** `params.dill`'s `_version` and `torch_scaling_metadata.pt`'s `schema_version` as the reference writes them. */
export const TORCH_BUNDLE_VERSION = '2.0-pytorch';
export const TORCH_SCALING_SCHEMA_VERSION = 'ci-entrypoints-v1';

/**
 * Field names whose values the reference pickles as Python floats (JS numbers cannot tell 1 from 1.0), across
 * params.dill and the four config dicts of torch_scaling_metadata.pt (reference dataclass defaults are floats).
 */
export const TORCH_FLOAT_FIELDS: ReadonlySet<string> = new Set([
  // params.dill (TF TrainingConfig / ModelConfig + intensity_scale)
  'mae_weight',
  'nll_weight',
  'realspace_mae_weight',
  'realspace_weight',
  'nphotons',
  'momentum',
  'weight_decay',
  'adam_beta1',
  'adam_beta2',
  'lr_min_ratio',
  'plateau_factor',
  'plateau_min_lr',
  'plateau_threshold',
  'learning_rate',
  'probe_mask_sigma',
  'probe_scale',
  'gaussian_smoothing_sigma',
  'intensity_scale',
  'gradient_clip_val',
  // torch DataConfig / ModelConfig / TrainingConfig
  'min_neighbor_distance',
  'max_neighbor_distance',
  'x_bounds',
  'y_bounds',
  'spectral_bottleneck_gate_init',
  'decoder_last_c_outer_fraction',
  'amplitude_physics_gain',
  'amp_loss_coeff',
  'phase_loss_coeff',
  'fine_tune_gamma',
  'stage_3_lr_factor',
]);
/** Fields the reference pickles as tuples (plain JS arrays otherwise become lists). */
export const TORCH_TUPLE_FIELDS: ReadonlySet<string> = new Set(['grid_size', 'x_bounds', 'y_bounds', 'image_size']);

/**
 * The params dict (params.dill) `save_torch_bundle` writes for a run with canonical config `c`:
 * `dataclass_to_legacy_dict(c)` (N, gridsize, n_filters_scale, model_type, amp_activation, object.big, probe.big,
 * probe.mask, probe_scale, probe_mask_sigma/diameter, pad_object, gaussian_smoothing_sigma, nphotons, batch_size,
 * nepochs, neighbor_count, n_groups, loss weights, optimiser knobs, positions.provided, probe.trainable,
 * intensity_scale.trainable, output_prefix, train/test_data_file_path, …) with `backend='pytorch'`, plus
 * `loss_function` (read by model_manager.create_torch_model_with_gridsize; 'Poisson' unless torch_loss_mode is mae),
 * `intensity_scale` = the physics scale S, `_version='2.0-pytorch'` last.
 */
export function torchBundleParams(c: TrainingConfig, intensityScale: number): LegacyDict {
  const d = dataclassToLegacyDict(c);
  delete d.intensity_scale;
  delete d._version;
  return {
    ...d,
    backend: 'pytorch',
    loss_function: c.torch_loss_mode === 'mae' ? 'MAE' : 'Poisson',
    intensity_scale: intensityScale,
    _version: TORCH_BUNDLE_VERSION,
  };
}

/** Reference torch DataConfig fields beyond TorchDataConfig: none (TorchDataConfig is complete). Model/training extras: */
const TORCH_MODEL_FULL_DEFAULTS = {
  fno_modes: 12,
  fno_width: 32,
  fno_blocks: 4,
  fno_cnn_blocks: 2,
  learned_input_channels: 1,
  fno_input_transform: 'none',
  max_hidden_channels: null,
  resnet_width: null,
  spectral_bottleneck_blocks: 6,
  spectral_bottleneck_modes: 12,
  spectral_bottleneck_share_weights: true,
  spectral_bottleneck_gate_init: 0.1,
  spectral_bottleneck_gate_mode: 'shared',
  use_shared_decoder: false,
  num_datasets: 1,
  probe_mask_tensor: null,
  edge_pad: 10,
  decoder_last_c_outer_fraction: 0.125,
  decoder_last_amp_channels: 1,
  use_legacy_decoder_channel_override: false,
  eca_encoder: false,
  cbam_bottleneck: false,
  cbam_decoder: false,
  eca_decoder: false,
  spatial_decoder: false,
  decoder_spatial_kernel: 7,
  rect_s1s2_trainable: true,
  rect_s1s2_init: 'ones',
  amplitude_physics_gain: 1.0,
  amp_loss: null,
  phase_loss: null,
  amp_loss_coeff: 1.0,
  phase_loss_coeff: 1.0,
} as const;
const TORCH_TRAINING_FULL_DEFAULTS = {
  training_directories: [],
  device: 'cuda',
  strategy: 'ddp',
  n_devices: 1,
  framework: 'Lightning',
  orchestrator: 'Mlflow',
  epochs_fine_tune: 0,
  fine_tune_gamma: 0.1,
  num_workers: 4,
  log_grad_norm: false,
  grad_norm_log_freq: 1,
  stage_1_epochs: 0,
  stage_2_epochs: 0,
  stage_3_epochs: 0,
  physics_weight_schedule: 'cosine',
  stage_3_lr_factor: 0.1,
  experiment_name: 'Synthetic_Runs',
  notes: '',
  model_name: 'PtychoPINNv2',
} as const;
const TORCH_INFERENCE_FULL_DEFAULTS = { log_patch_stats: false, patch_stats_limit: null } as const;

/** Field order of the reference dataclasses (asdict order), as in the golden bundle's torch_scaling_metadata.pt. */
const MODEL_ORDER = [
  'mode',
  'architecture',
  'fno_modes',
  'fno_width',
  'fno_blocks',
  'fno_cnn_blocks',
  'learned_input_channels',
  'fno_input_transform',
  'max_hidden_channels',
  'resnet_width',
  'spectral_bottleneck_blocks',
  'spectral_bottleneck_modes',
  'spectral_bottleneck_share_weights',
  'spectral_bottleneck_gate_init',
  'spectral_bottleneck_gate_mode',
  'generator_output_mode',
  'cnn_output_mode',
  'use_shared_decoder',
  'intensity_scale_trainable',
  'intensity_scale',
  'max_position_jitter',
  'num_datasets',
  'C_model',
  'n_filters_scale',
  'amp_activation',
  'batch_norm',
  'probe_mask',
  'probe_mask_tensor',
  'probe_mask_sigma',
  'probe_mask_diameter',
  'edge_pad',
  'decoder_last_c_outer_fraction',
  'decoder_last_amp_channels',
  'use_legacy_decoder_channel_override',
  'eca_encoder',
  'cbam_encoder',
  'cbam_bottleneck',
  'cbam_decoder',
  'eca_decoder',
  'spatial_decoder',
  'decoder_spatial_kernel',
  'object_big',
  'probe_big',
  'offset',
  'C_forward',
  'training_patch_weighting',
  'physics_forward_mode',
  'rect_s1s2_trainable',
  'rect_s1s2_init',
  'amplitude_physics_gain',
  'pad_object',
  'gaussian_smoothing_sigma',
  'loss_function',
  'amp_loss',
  'phase_loss',
  'amp_loss_coeff',
  'phase_loss_coeff',
];
const TRAINING_ORDER = [
  'training_directories',
  'nll',
  'device',
  'strategy',
  'n_devices',
  'framework',
  'orchestrator',
  'learning_rate',
  'epochs',
  'batch_size',
  'epochs_fine_tune',
  'fine_tune_gamma',
  'scheduler',
  'lr_warmup_epochs',
  'lr_min_ratio',
  'plateau_factor',
  'plateau_patience',
  'plateau_min_lr',
  'plateau_threshold',
  'num_workers',
  'accum_steps',
  'gradient_clip_val',
  'gradient_clip_algorithm',
  'optimizer',
  'momentum',
  'weight_decay',
  'adam_beta1',
  'adam_beta2',
  'log_grad_norm',
  'grad_norm_log_freq',
  'stage_1_epochs',
  'stage_2_epochs',
  'stage_3_epochs',
  'physics_weight_schedule',
  'stage_3_lr_factor',
  'torch_loss_mode',
  'torch_mae_pred_l2_match_target',
  'experiment_name',
  'notes',
  'model_name',
  'output_dir',
  'train_data_file',
  'test_data_file',
  'n_groups',
];

function ordered(order: readonly string[], src: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of order) out[k] = src[k] === undefined ? null : src[k];
  return out;
}

/**
 * torch_scaling_metadata.pt as `_persist_bundle_scaling_metadata` writes it for a model built by
 * `create_training_payload` from `c` (toTorchConfigs): `asdict` of the four torch configs with every reference field
 * (defaults where the canonical config says nothing; model_config.intensity_scale stays the torch default, as in the
 * reference — the trained scale S lives in params.dill), `ci_statistics: None` (amplitude physics, no CI statistics).
 * Tuples are arrays here; TORCH_TUPLE_FIELDS / TORCH_FLOAT_FIELDS give the Python types.
 */
export function torchScalingMetadata(c: TrainingConfig): Record<string, unknown> {
  const t = toTorchConfigs(c);
  const data: Record<string, unknown> = {
    ...t.data,
    grid_size: [...t.data.grid_size],
    x_bounds: [...t.data.x_bounds],
    y_bounds: [...t.data.y_bounds],
  };
  const model = ordered(MODEL_ORDER, {
    ...TORCH_MODEL_FULL_DEFAULTS,
    ...t.model,
    probe_mask: probeMaskToBool(t.model.probe_mask),
  });
  const training = ordered(TRAINING_ORDER, {
    ...TORCH_TRAINING_FULL_DEFAULTS,
    training_directories: [],
    ...t.training,
  });
  const inference = { ...TORCH_INFERENCE_DEFAULTS, ...TORCH_INFERENCE_FULL_DEFAULTS };
  return {
    schema_version: TORCH_SCALING_SCHEMA_VERSION,
    data_config: data,
    model_config: model,
    training_config: training,
    inference_config: inference,
    ci_statistics: null,
  };
}

/**
 * The inverse of torchBundleParams for opening a bundle: every params.dill key that names a canonical field
 * (legacy spellings such as `object.big`, `output_prefix`, `train_data_file_path` mapped back) overrides `base`,
 * when its value has the field's type (numbers, strings, booleans; null only where the field may be null).
 * Keys the canonical config does not have (intensity_scale, _version, loss_function, …) are ignored.
 */
export function configFromTorchBundleParams(params: Record<string, unknown>, base: TrainingConfig): TrainingConfig {
  const toField: Record<string, string> = {};
  for (const [f, l] of Object.entries(KEY_MAPPINGS)) toField[l] = f;
  const model: Record<string, unknown> = { ...base.model };
  const top: Record<string, unknown> = { ...base, model: undefined };
  for (const [k, v] of Object.entries(params)) {
    const f = toField[k] ?? k;
    const target = f in base.model ? model : f !== 'model' && f in base ? top : null;
    if (!target) continue;
    const cur = target[f];
    const ok = v === null ? cur === null : cur === null || typeof cur === typeof v;
    if (ok && (v === null || ['number', 'string', 'boolean'].includes(typeof v))) target[f] = v;
  }
  const cfg = makeTrainingConfig({ ...(top as object), model: model as Partial<ModelConfig> } as never);
  // makeTrainingConfig treats null as "unset → default"; keep the bundle's explicit nulls.
  for (const [f, v] of Object.entries(top))
    if (v === null && f in cfg) (cfg as unknown as Record<string, unknown>)[f] = null;
  return cfg;
}
