/**
 * Canonical configuration: the reference's `ptycho/config/config.py` dataclasses (ModelConfig, TrainingConfig,
 * InferenceConfig) with their field names (snake_case, exactly as the reference) and defaults, plus a few clearly
 * marked extensions our engine needs (specs/config.md). Types, defaults, field lists and the validator all follow
 * from the config field table (src/config/fieldTable.ts). Configs are plain JSON-able objects: paths are strings,
 * "None" is `null`.
 */
import { PtychoError } from '../errors.ts';
import { checkField, defaultsOf, N_VALUES, type FieldRow, type PatchSize } from './fieldRow.ts';
import {
  INFERENCE_TABLE,
  MODEL_TABLE,
  TRAINING_TABLE,
  type InferenceConfig,
  type ModelConfig,
  type TrainingConfig,
} from './fieldTable.ts';

export {
  AMP_ACTIVATIONS,
  ARCHITECTURES,
  BACKENDS,
  FNO_INPUT_TRANSFORMS,
  FRACTIONAL_FILTER_SCALES,
  GENERATOR_OUTPUT_MODES,
  GRADIENT_CLIP_ALGORITHMS,
  MODEL_TYPES,
  N_VALUES,
  OPTIMIZERS,
  REALSPACE_LOSSES,
  SCHEDULERS,
  TORCH_LOSS_MODES,
  type PatchSize,
} from './fieldRow.ts';
export type { InferenceConfig, ModelConfig, TrainingConfig } from './fieldTable.ts';

/** `n_groups` when neither n_groups nor the deprecated n_images is given (reference __post_init__). */
export const DEFAULT_N_GROUPS = 512;

export { paddedCanvasSize } from './geometry.ts';

// Defaults (from the table's rows)

export const MODEL_DEFAULTS: Readonly<ModelConfig> = defaultsOf(MODEL_TABLE);
/** Training defaults without `model` (n_groups left null: resolved to 512 by makeTrainingConfig). */
export const TRAINING_DEFAULTS: Readonly<Omit<TrainingConfig, 'model'>> = defaultsOf(TRAINING_TABLE);
export const INFERENCE_DEFAULTS: Readonly<Omit<InferenceConfig, 'model'>> = defaultsOf(INFERENCE_TABLE);

/** Field names per config (used to refuse unknown keys). */
export const MODEL_FIELDS = MODEL_TABLE.map((r) => r.name) as (keyof ModelConfig)[];
export const TRAINING_FIELDS = ['model', ...TRAINING_TABLE.map((r) => r.name)] as (keyof TrainingConfig)[];
export const INFERENCE_FIELDS = ['model', ...INFERENCE_TABLE.map((r) => r.name)] as (keyof InferenceConfig)[];

// Construction: defaults + overrides (undefined = "not given" → default), as the dataclass ctor

/** Keys that would reach the prototype chain instead of making a field (`"__proto__"` in a config JSON). */
const UNSAFE_KEYS = new Set(['__proto__']);

function mergeDefined<T extends object>(defaults: Readonly<T>, over: Partial<Record<keyof T, unknown>> | undefined): T {
  const out = { ...defaults } as T;
  if (!over) return out;
  for (const [k, v] of Object.entries(over)) {
    if (v !== undefined && !UNSAFE_KEYS.has(k)) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

export function makeModelConfig(over?: Partial<ModelConfig>): ModelConfig {
  return mergeDefined(MODEL_DEFAULTS, over);
}

/** Overrides of a config that nests a ModelConfig: any top-level field, and any model field. */
type NestedOverrides<C extends { model: ModelConfig }> = Omit<Partial<C>, 'model'> & { model?: Partial<ModelConfig> };

/** Defaults + overrides of a config with a nested model; n_images (deprecated) fills n_groups when unset. */
function withModel<C extends { model: ModelConfig; n_groups: number | null; n_images: number | null }>(
  defaults: Omit<C, 'model'>,
  over: NestedOverrides<C> | undefined,
): C {
  const { model, ...rest } = over ?? {};
  const cfg = { ...mergeDefined<object>(defaults, rest), model: makeModelConfig(model) } as C;
  if (cfg.n_groups == null && cfg.n_images != null) cfg.n_groups = cfg.n_images;
  return cfg;
}

/** Training config (`TrainingConfig.__post_init__`): n_images fills n_groups when unset; both unset → 512. */
export function makeTrainingConfig(over?: NestedOverrides<TrainingConfig>): TrainingConfig {
  const cfg = withModel<TrainingConfig>(TRAINING_DEFAULTS as Omit<TrainingConfig, 'model'>, over);
  cfg.n_groups ??= DEFAULT_N_GROUPS;
  return cfg;
}

/** Inference config: n_images fills n_groups when unset; both unset stays null (= all groups). */
export function makeInferenceConfig(over?: NestedOverrides<InferenceConfig>): InferenceConfig {
  return withModel<InferenceConfig>(INFERENCE_DEFAULTS as Omit<InferenceConfig, 'model'>, over);
}

// Validation (validate_model_config / validate_training_config + type checks for file input): each row's check,
// in row order; errors name the field ('model.<field>' for nested ones) and the value.

function checkTable(table: readonly FieldRow[], c: object, prefix = ''): void {
  for (const r of table) checkField(r, (c as Record<string, unknown>)[r.name], prefix);
}

export function validateModelConfig(m: ModelConfig): void {
  checkTable(MODEL_TABLE, m, 'model.');
}

export function validateTrainingConfig(c: TrainingConfig): void {
  validateModelConfig(c.model);
  checkTable(TRAINING_TABLE, c);
  // Supervised training needs the MAE loss (torch compute_loss; specs/config.md §1).
  if (c.model.model_type === 'supervised' && c.torch_loss_mode !== 'mae') {
    throw new PtychoError(
      'config',
      `config field 'torch_loss_mode' has invalid value ${JSON.stringify(c.torch_loss_mode)}`,
      `allowed: 'mae' when model.model_type is 'supervised'`,
      { field: 'torch_loss_mode' },
    );
  }
}

export function validateInferenceConfig(c: InferenceConfig): void {
  validateModelConfig(c.model);
  checkTable(INFERENCE_TABLE, c);
}

// N from the probe

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
