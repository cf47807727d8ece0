/**
 * The bridge between the PyTorch-style configs (src/config/torchConfigs.ts) and the canonical configs, driven by
 * the `torch` spellings and `fromTorch` values of the config field table (src/config/fieldTable.ts):
 *  - `toTorchConfigs(canonical)` mimics `config_factory.create_training_payload`: every field with a torch spelling
 *    is written there (grid_size=(gs,gs), mode from model_type, nll = nll_weight > 0), plus C=C_model=C_forward=gs²
 *    and loss_function; every torch default not overridden stays (e.g. cbam_encoder=True).
 *  - `fromTorchConfigs(torch, overrides)` mimics `config_bridge.to_model_config` + `to_training_config`: each field
 *    is read from its last torch spelling or set to its `fromTorch` value, raising where the reference raises;
 *    `fromTorchInference` mimics `to_inference_config`.
 * specs/config.md §3 documents the bridge. The torch configs and the bundle files are re-exported from here.
 */
import { PtychoError } from '../errors.ts';
import type { FieldRow, TorchPath } from './fieldRow.ts';
import { INFERENCE_TABLE, MODEL_TABLE, TRAINING_TABLE } from './fieldTable.ts';
import {
  makeInferenceConfig,
  makeModelConfig,
  makeTrainingConfig,
  type InferenceConfig,
  type ModelConfig,
  type TrainingConfig,
} from './schema.ts';
import {
  activationToCanonical,
  gridSizeToGridsize,
  makeTorchConfigs,
  MODEL_TYPE_TO_MODE,
  modeToModelType,
  probeMaskToBool,
  TORCH_DEFAULT_NPHOTONS,
  TORCH_EXECUTION_DEFAULTS,
  type TorchConfigs,
  type TorchDataConfig,
  type TorchExecutionConfig,
  type TorchModelConfig,
} from './torchConfigs.ts';

export * from './torchConfigs.ts';

type Parts = { [K in keyof TorchConfigs]?: Record<string, unknown> };

/** Value conversions for the fields whose torch spelling holds a different value (identity otherwise). */
const CONVERT: Record<string, { to?: (v: never) => unknown; from?: (v: never) => unknown }> = {
  gridsize: { to: (g: number) => [g, g], from: (g: unknown) => gridSizeToGridsize(g) },
  model_type: { to: (t: ModelConfig['model_type']) => MODEL_TYPE_TO_MODE[t], from: (m: unknown) => modeToModelType(m) },
  amp_activation: { from: (a: unknown) => activationToCanonical(a) },
  probe_mask: { from: (m: TorchModelConfig['probe_mask']) => probeMaskToBool(m) },
  nll_weight: { to: (w: number) => w > 0, from: (nll: boolean) => (nll ? 1.0 : 0.0) },
};

function splitPath(p: TorchPath): [keyof TorchConfigs, string] {
  const dot = p.indexOf('.');
  return [p.slice(0, dot) as keyof TorchConfigs, p.slice(dot + 1)];
}

/** Write every field of `c` that has torch spellings into `parts`. */
function writeTorch(table: readonly FieldRow[], c: object, parts: Required<Parts>): void {
  for (const r of table) {
    const v = (c as Record<string, unknown>)[r.name];
    const to = CONVERT[r.name]?.to as ((v: unknown) => unknown) | undefined;
    for (const p of r.torch ?? []) {
      const [cls, name] = splitPath(p);
      parts[cls][name] = to ? to(v) : v;
    }
  }
}

/**
 * The canonical values the torch configs give, per row: its `fromTorch` value, else its last torch spelling's value
 * (converted) when that config is in `parts`; rows with neither (or whose config is absent) are left out.
 */
function readTorch(table: readonly FieldRow[], parts: Parts, skip: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of table) {
    if (skip.includes(r.name)) continue;
    if (r.fromTorch) {
      out[r.name] = r.fromTorch.fixed;
      continue;
    }
    const path = r.torch?.at(-1) ?? r.torchReadOnly;
    if (!path) continue;
    const [cls, name] = splitPath(path);
    const src = parts[cls];
    if (!src) continue;
    const from = CONVERT[r.name]?.from as ((v: unknown) => unknown) | undefined;
    out[r.name] = from ? from(src[name]) : src[name];
  }
  return out;
}

// canonical → torch

/** `create_training_payload`: torch configs from a canonical TrainingConfig. */
export function toTorchConfigs(c: TrainingConfig): TorchConfigs {
  const parts: Required<Parts> = { data: {}, model: {}, training: {}, execution: {} };
  writeTorch(MODEL_TABLE, c.model, parts);
  writeTorch(TRAINING_TABLE, c, parts);
  const C = c.model.gridsize * c.model.gridsize;
  parts.data.C = C;
  Object.assign(parts.model, {
    C_model: C,
    C_forward: C,
    loss_function: c.torch_loss_mode === 'mae' ? 'MAE' : 'Poisson',
  });
  return makeTorchConfigs(parts as Parameters<typeof makeTorchConfigs>[0]);
}

/**
 * The torch config keys toTorchConfigs writes from the canonical config (the rows' torch spellings, plus C, C_model,
 * C_forward and loss_function): every other key of a torch config holds the torch default.
 */
export function bridgedTorchKeys(): { [K in keyof TorchConfigs]: ReadonlySet<string> } {
  const out = {
    data: new Set(['C']),
    model: new Set(['C_model', 'C_forward', 'loss_function']),
    training: new Set<string>(),
    execution: new Set<string>(),
  };
  for (const r of [...MODEL_TABLE, ...TRAINING_TABLE] as readonly FieldRow[])
    for (const p of r.torch ?? []) {
      const [cls, name] = splitPath(p);
      out[cls].add(name);
    }
  return out;
}

// torch → canonical

/**
 * The canonical model fields the torch configs give (each row's last torch spelling, converted), only those whose
 * torch key is present: for laying a bundle's torch_scaling_metadata.pt over its params.dill.
 */
export function modelFieldsFromTorch(
  data: Record<string, unknown>,
  model: Record<string, unknown>,
): Partial<ModelConfig> {
  const present = (MODEL_TABLE as readonly FieldRow[]).filter((r) => {
    const path = r.torch?.at(-1);
    if (!path || r.fromTorch) return false;
    const [cls, name] = splitPath(path);
    return (cls === 'data' ? data : cls === 'model' ? model : {})[name] != null;
  });
  return readTorch(present, { data, model }) as Partial<ModelConfig>;
}

/** `config_bridge.to_model_config(data, model, overrides)`. */
export function toModelConfig(
  data: TorchDataConfig,
  model: TorchModelConfig,
  overrides: Partial<ModelConfig> = {},
): ModelConfig {
  const fromTorch = readTorch(MODEL_TABLE, { data: { ...data }, model: { ...model } });
  return makeModelConfig({ ...(fromTorch as Partial<ModelConfig>), ...overrides });
}

/** Canonical training fields that only come from overrides (they have no torch counterpart here). */
export type TrainingOverrides = Omit<Partial<TrainingConfig>, 'model'>;

export interface BridgeOptions {
  /** The reference requires train_data_file (its workflows load files); the web app gets data by drop. */
  requireTrainDataFile?: boolean;
}

function missing(what: string, bridge: string, hint: string): PtychoError {
  return new PtychoError('config', `${what} is missing from the overrides of the PyTorch → canonical ${bridge}`, hint);
}

/** The torch scheduler as canonical: MultiStage / Adaptive have no counterpart. */
function canonicalScheduler(sched: TorchExecutionConfig['scheduler']): TrainingConfig['scheduler'] {
  if (sched === 'MultiStage' || sched === 'Adaptive') {
    throw new PtychoError(
      'config',
      `scheduler '${sched}' has no canonical counterpart`,
      'use Default, Exponential, WarmupCosine or ReduceLROnPlateau',
    );
  }
  return sched;
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
  const ex =
    t.execution ??
    Object.fromEntries(
      Object.entries(TORCH_EXECUTION_DEFAULTS).map(([k, d]) => [k, k in tr ? tr[k as keyof typeof tr] : d]),
    );
  if (!('nphotons' in overrides && overrides.nphotons != null) && data.nphotons === TORCH_DEFAULT_NPHOTONS) {
    throw new PtychoError(
      'config',
      `nphotons is the PyTorch default ${TORCH_DEFAULT_NPHOTONS}, which differs from the canonical default 1e9`,
      'give nphotons explicitly (e.g. "nphotons": 1e9) so the photon scale is not silently changed',
    );
  }
  const parts: Parts = { data: { ...data }, model: { ...pt }, training: { ...tr }, execution: { ...ex } };
  const kw: TrainingOverrides = { ...readTorch(TRAINING_TABLE, parts, ['scheduler']), ...overrides };
  if (kw.scheduler === undefined) kw.scheduler = canonicalScheduler((ex as TorchExecutionConfig).scheduler);
  if (kw.n_groups == null) throw missing('n_groups', 'training bridge', 'give n_groups, e.g. 512');
  if ((opts.requireTrainDataFile ?? true) && kw.train_data_file == null) {
    throw missing('train_data_file', 'training bridge', 'give train_data_file (path of the training NPZ)');
  }
  return makeTrainingConfig({ ...kw, model });
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
    ...readTorch(INFERENCE_TABLE, { data: { ...data } }),
    ...overrides,
  };
  if (kw.model_path == null) {
    throw missing('model_path', 'inference bridge', 'give model_path (the trained model archive)');
  }
  if (kw.test_data_file == null) {
    throw missing('test_data_file', 'inference bridge', 'give test_data_file (the NPZ to reconstruct)');
  }
  return makeInferenceConfig({ ...kw, model });
}
