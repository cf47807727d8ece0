/**
 * What the reference's `save_torch_bundle` persists for a run (wts.h5.zip: params.dill, torch_scaling_metadata.pt;
 * specs/model_archive.md), and reading a params.dill back into a canonical config. The Python types the pickles need
 * (floats, tuples) are listed here for src/pipeline/archive/torchBundleWriter.ts.
 */
import { ALL_ROWS } from './fieldTable.ts';
import { dataclassToLegacyDict, KEY_MAPPINGS, type LegacyDict } from './legacy.ts';
import { makeModelConfig, makeTrainingConfig, type ModelConfig, type TrainingConfig } from './schema.ts';
import { bridgedTorchKeys, modelFieldsFromTorch, toTorchConfigs } from './torchBridge.ts';
import { probeMaskToBool, TORCH_INFERENCE_DEFAULTS } from './torchConfigs.ts';

/** Whitespace-separated names → array. */
const words = (s: string): string[] => s.trim().split(/\s+/);

/** `params.dill`'s `_version` and `torch_scaling_metadata.pt`'s `schema_version` as the reference writes them. */
export const TORCH_BUNDLE_VERSION = '2.0-pytorch';
export const TORCH_SCALING_SCHEMA_VERSION = 'ci-entrypoints-v1';

/**
 * Field names whose values the reference pickles as Python floats (JS numbers cannot tell 1 from 1.0), across
 * params.dill and the four config dicts of torch_scaling_metadata.pt (reference dataclass defaults are floats).
 */
export const TORCH_FLOAT_FIELDS: ReadonlySet<string> = new Set([
  // canonical fields (params.dill, and their torch spellings): the number rows of the config field table
  ...ALL_ROWS.flatMap((r) => (r.kind === 'number' && r.float !== false ? [r.name] : [])),
  'intensity_scale',
  // torch DataConfig / ModelConfig / TrainingConfig only
  ...words(`min_neighbor_distance max_neighbor_distance x_bounds y_bounds spectral_bottleneck_gate_init
    decoder_last_c_outer_fraction amplitude_physics_gain fine_tune_gamma stage_3_lr_factor`),
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
const MODEL_ORDER =
  words(`mode architecture fno_modes fno_width fno_blocks fno_cnn_blocks learned_input_channels fno_input_transform
  max_hidden_channels resnet_width spectral_bottleneck_blocks spectral_bottleneck_modes
  spectral_bottleneck_share_weights spectral_bottleneck_gate_init spectral_bottleneck_gate_mode
  generator_output_mode cnn_output_mode use_shared_decoder intensity_scale_trainable intensity_scale
  max_position_jitter num_datasets C_model n_filters_scale amp_activation batch_norm probe_mask
  probe_mask_tensor probe_mask_sigma probe_mask_diameter edge_pad decoder_last_c_outer_fraction
  decoder_last_amp_channels use_legacy_decoder_channel_override eca_encoder cbam_encoder cbam_bottleneck
  cbam_decoder eca_decoder spatial_decoder decoder_spatial_kernel object_big probe_big offset C_forward
  training_patch_weighting physics_forward_mode rect_s1s2_trainable rect_s1s2_init amplitude_physics_gain
  pad_object gaussian_smoothing_sigma loss_function amp_loss phase_loss amp_loss_coeff phase_loss_coeff`);
const TRAINING_ORDER =
  words(`training_directories nll device strategy n_devices framework orchestrator learning_rate epochs batch_size
  epochs_fine_tune fine_tune_gamma scheduler lr_warmup_epochs lr_min_ratio plateau_factor plateau_patience
  plateau_min_lr plateau_threshold num_workers accum_steps gradient_clip_val gradient_clip_algorithm optimizer
  momentum weight_decay adam_beta1 adam_beta2 log_grad_norm grad_norm_log_freq stage_1_epochs stage_2_epochs
  stage_3_epochs physics_weight_schedule stage_3_lr_factor torch_loss_mode torch_mae_pred_l2_match_target
  experiment_name notes model_name output_dir train_data_file test_data_file n_groups`);

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

/**
 * The torch ModelConfig settings that change the network or its output and that the canonical config does not carry:
 * the engine builds each at the reference default only (the golden parity tests pin that build), so a bundle whose
 * torch_scaling_metadata.pt sets another value is a model this app cannot reproduce.
 */
const TORCH_MODEL_SETTINGS_BUILT: Readonly<Record<string, unknown>> = {
  cnn_output_mode: 'amp_phase',
  batch_norm: false,
  physics_forward_mode: 'amplitude',
  use_shared_decoder: TORCH_MODEL_FULL_DEFAULTS.use_shared_decoder,
  num_datasets: TORCH_MODEL_FULL_DEFAULTS.num_datasets,
  decoder_last_c_outer_fraction: TORCH_MODEL_FULL_DEFAULTS.decoder_last_c_outer_fraction,
  decoder_last_amp_channels: TORCH_MODEL_FULL_DEFAULTS.decoder_last_amp_channels,
  use_legacy_decoder_channel_override: TORCH_MODEL_FULL_DEFAULTS.use_legacy_decoder_channel_override,
  eca_encoder: TORCH_MODEL_FULL_DEFAULTS.eca_encoder,
  cbam_bottleneck: TORCH_MODEL_FULL_DEFAULTS.cbam_bottleneck,
  cbam_decoder: TORCH_MODEL_FULL_DEFAULTS.cbam_decoder,
  eca_decoder: TORCH_MODEL_FULL_DEFAULTS.eca_decoder,
  spatial_decoder: TORCH_MODEL_FULL_DEFAULTS.spatial_decoder,
  amplitude_physics_gain: TORCH_MODEL_FULL_DEFAULTS.amplitude_physics_gain,
};

/** The torch model settings in `modelConfig` (torch_scaling_metadata.pt's model_config) the engine cannot build. */
export function unbuildableTorchModelSettings(
  modelConfig: Record<string, unknown>,
): { field: string; value: unknown; built: unknown }[] {
  return Object.entries(TORCH_MODEL_SETTINGS_BUILT).flatMap(([field, built]) =>
    field in modelConfig && modelConfig[field] !== null && modelConfig[field] !== built
      ? [{ field, value: modelConfig[field], built }]
      : [],
  );
}

/**
 * A bundle's config: params.dill (configFromTorchBundleParams) with the model settings of torch_scaling_metadata.pt
 * laid over it. The metadata's data_config / model_config are what the reference builds the model from (strict
 * reconstruction), and they may disagree with params.dill, whose canonical intensity_scale.trainable is the TF
 * log-scale flag, not the PyTorch α·pred + β one (model.torch_intensity_scale_trainable). Only the keys the
 * metadata has are taken (an older bundle without a field keeps the params.dill value).
 */
export function configFromTorchBundle(
  params: Record<string, unknown>,
  scalingMetadata: Record<string, unknown> | undefined,
  base: TrainingConfig,
): TrainingConfig {
  const cfg = configFromTorchBundleParams(params, base);
  const data = scalingMetadata?.data_config;
  const model = scalingMetadata?.model_config;
  if (!isRecord(data) || !isRecord(model)) return cfg;
  const fromTorch = modelFieldsFromTorch(data, model);
  return { ...cfg, model: makeModelConfig({ ...cfg.model, ...fromTorch }) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The params dict and scaling metadata of a bundle written from `c` after it was converted from the bundle `origin`
 * said: every key the canonical config determines from `c` (torchBundleParams, and the bridged keys of
 * torchScalingMetadata), every other key as the original had it — so torch → native → torch keeps what our config
 * cannot hold (the reference's data-pipeline and decoder settings, its run names, keys newer than this app).
 */
export function torchFilesWithOrigin(
  params: Record<string, unknown>,
  scalingMetadata: Record<string, unknown>,
  origin: { params: Record<string, unknown>; scalingMetadata: Record<string, unknown> | null },
): { params: Record<string, unknown>; scalingMetadata: Record<string, unknown> } {
  const mergedParams: Record<string, unknown> = { ...origin.params, ...params };
  // _version stays the last key, as the reference writes it.
  const version = mergedParams._version;
  delete mergedParams._version;
  mergedParams._version = version;
  const o = origin.scalingMetadata;
  if (!o) return { params: mergedParams, scalingMetadata };
  const bridged = bridgedTorchKeys();
  const parts = { data_config: bridged.data, model_config: bridged.model, training_config: bridged.training } as const;
  const out: Record<string, unknown> = { ...o, ...scalingMetadata };
  for (const [part, keys] of Object.entries(parts)) {
    const orig = o[part];
    const ours = scalingMetadata[part] as Record<string, unknown>;
    if (!isRecord(orig)) continue;
    const merged: Record<string, unknown> = { ...ours };
    for (const [k, v] of Object.entries(orig)) if (!keys.has(k)) merged[k] = v;
    out[part] = merged;
  }
  if (isRecord(o.inference_config))
    out.inference_config = { ...(scalingMetadata.inference_config as object), ...o.inference_config };
  for (const k of ['schema_version', 'ci_statistics']) if (k in o) out[k] = o[k];
  return { params: mergedParams, scalingMetadata: out };
}
