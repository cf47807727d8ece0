/**
 * The shape of one row of the config field table (src/config/fieldTable.ts) and what follows from a row: the
 * TypeScript type of the field's value (`ConfigOf`), the defaults object (`defaultsOf`), the "allowed: …" text and
 * the check the validator applies (`checkField`). The allowed-value lists the rows use live here too.
 * specs/config.md ("Adding a config field") documents the row.
 */
import { PtychoError } from '../errors.ts';

/** Patch sizes. The reference allows 64/128/256; 32 is our extension for small machines and tests. */
export const N_VALUES = [32, 64, 128, 256] as const;
export type PatchSize = (typeof N_VALUES)[number];
export const MODEL_TYPES = ['pinn', 'supervised'] as const;
export const ARCHITECTURES = ['cnn', 'ffno', 'fno', 'fno_vanilla', 'neuralop_uno'] as const;
export const FNO_INPUT_TRANSFORMS = ['none', 'sqrt', 'log1p', 'instancenorm'] as const;
export const GENERATOR_OUTPUT_MODES = ['real_imag', 'amp_phase_logits', 'amp_phase'] as const;
export const AMP_ACTIVATIONS = ['sigmoid', 'swish', 'softplus', 'relu'] as const;
/** Weight initialisation schemes of the generator (src/model/init.ts); 'torch_default' is the reference's. */
export const INIT_SCHEMES = ['torch_default', 'tf_glorot', 'kaiming'] as const;
export const BACKENDS = ['tensorflow', 'pytorch'] as const;
export const TORCH_LOSS_MODES = ['poisson', 'mae'] as const;
export const GRADIENT_CLIP_ALGORITHMS = ['norm', 'value', 'agc'] as const;
export const OPTIMIZERS = ['adam', 'adamw', 'sgd'] as const;
export const REALSPACE_LOSSES = ['Total_Variation', 'Mean_Deviation'] as const;
export const SCHEDULERS = ['Default', 'Exponential', 'WarmupCosine', 'ReduceLROnPlateau'] as const;
/** Fractional filter scales are our extension (tiny models for tests / weak GPUs). */
export const FRACTIONAL_FILTER_SCALES = [0.25, 0.5] as const;

/** int / number: finite numbers (int: integers); bool; choice: one of `choices`; path: a non-empty string. */
export type FieldKind = 'int' | 'number' | 'bool' | 'choice' | 'path';
/** A PyTorch config spelling: `<torch config class>.<field name>` (see src/config/torchConfigs.ts). */
export type TorchPath = `${'data' | 'model' | 'training' | 'execution'}.${string}`;
export type FieldInput = 'int' | 'number' | 'bool' | 'select' | 'optInt' | 'optNumber' | 'optSelect';
export type FieldGroup = 'Model' | 'Training';
export type FieldValue = number | string | boolean | null;

/** How the settings form (src/ui) shows a field; `input` and `options` follow from the kind unless given. */
export interface FieldUi {
  group: FieldGroup;
  /** Position in the form (ascending). */
  order: number;
  /** Defaults to the field name. */
  label?: string;
  input?: FieldInput;
  options?: readonly (string | number)[];
  /** Shown under "more settings". */
  advanced?: boolean;
  /** Shown, not editable (N follows the probe). */
  readOnly?: boolean;
  /**
   * Shown only while another model field has (`is`) or does not have (`not`) a value: the FNO fields need a spectral
   * generator, the CNN's fields the CNN.
   */
  when?: { field: string; is: FieldValue } | { field: string; not: FieldValue };
}

export interface FieldRow {
  name: string;
  kind: FieldKind;
  default: FieldValue;
  /** null is allowed (Python Optional). */
  nullable?: boolean;
  /** kind 'choice': the allowed values. */
  choices?: readonly (string | number)[];
  /** Range of int / number fields; `minOpen` / `maxOpen` exclude the bound. */
  min?: number;
  max?: number;
  minOpen?: boolean;
  maxOpen?: boolean;
  /** Values allowed besides the range (n_filters_scale 0.25 / 0.5). */
  also?: readonly number[];
  powerOfTwo?: boolean;
  /** The "allowed: …" text when the generated one does not say it (it must still describe the check). */
  allowed?: string;
  /** PyTorch spellings the canonical → torch bridge writes; torch → canonical reads the last one. */
  torch?: readonly TorchPath[];
  /**
   * A PyTorch spelling torch → canonical reads but canonical → torch never writes (the slot belongs to another
   * field): the reference's to_training_config sets the canonical intensity_scale_trainable from
   * model.intensity_scale_trainable, which the model field torch_intensity_scale_trainable owns.
   */
  torchReadOnly?: TorchPath;
  /** The value torch → canonical sets regardless of the torch configs (the reference's config_bridge). */
  fromTorch?: { fixed: FieldValue };
  /** Key in the legacy params dict (src/config/legacy.ts) when it differs from the name. */
  legacy?: string;
  /** kind 'number' values are pickled as Python floats in bundles, unless this is false. */
  float?: false;
  help: string;
  ui?: FieldUi;
}

type ValueOf<R> =
  | (R extends { kind: 'choice'; choices: readonly (infer U)[] }
      ? U
      : R extends { kind: 'bool' }
        ? boolean
        : R extends { kind: 'path' }
          ? string
          : number)
  | (R extends { nullable: true } ? null : never);

/** The config object type a table describes: one property per row, typed by its kind, choices and nullability. */
export type ConfigOf<T extends readonly FieldRow[]> = { -readonly [R in T[number] as R['name']]: ValueOf<R> };

/** The defaults object of a table (frozen, keys in row order). */
export function defaultsOf<T extends readonly FieldRow[]>(table: T): Readonly<ConfigOf<T>> {
  return Object.freeze(Object.fromEntries(table.map((r) => [r.name, r.default]))) as Readonly<ConfigOf<T>>;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The "allowed: …" text of a row (without the null: nullable fields accept null silently). */
export function allowedText(r: FieldRow): string {
  if (r.allowed) return r.allowed;
  switch (r.kind) {
    case 'bool':
      return 'true or false';
    case 'choice':
      return `one of ${(r.choices ?? []).map((a) => JSON.stringify(a)).join(', ')}`;
    case 'path':
      return r.nullable ? 'a non-empty path string or null' : 'a non-empty path string';
  }
  const lo = r.min ?? -Infinity;
  const hi = r.max ?? Infinity;
  if (r.kind === 'int') return hi === Infinity ? `an integer ≥ ${lo}` : `an integer in [${lo}, ${hi}]`;
  if (hi === Infinity) return `a finite number ${r.minOpen ? '>' : '≥'} ${lo}`;
  return `a number in ${r.minOpen ? '(' : '['}${lo}, ${hi}${r.maxOpen ? ')' : ']'}`;
}

function inRange(r: FieldRow, v: unknown): boolean {
  if (r.kind === 'int' ? !Number.isInteger(v) : !isNum(v)) return false;
  const x = v as number;
  const lo = r.min ?? -Infinity;
  const hi = r.max ?? Infinity;
  if (r.minOpen ? x <= lo : x < lo) return false;
  if (r.maxOpen ? x >= hi : x > hi) return false;
  return !r.powerOfTwo || (x & (x - 1)) === 0;
}

/** Whether `v` is an allowed value of the field. */
export function fieldAccepts(r: FieldRow, v: unknown): boolean {
  if (v === null && r.nullable) return true;
  switch (r.kind) {
    case 'bool':
      return typeof v === 'boolean';
    case 'choice':
      return (r.choices ?? []).includes(v as string | number);
    case 'path':
      return typeof v === 'string' && v.length > 0;
    default:
      return (r.also ?? []).includes(v as number) || inRange(r, v);
  }
}

/** Throw PtychoError('config') naming the field (`prefix` + name) and the value when the value is not allowed. */
export function checkField(r: FieldRow, v: unknown, prefix = ''): void {
  if (fieldAccepts(r, v)) return;
  const field = prefix + r.name;
  throw new PtychoError(
    'config',
    `config field '${field}' has invalid value ${JSON.stringify(v)}`,
    `allowed: ${allowedText(r)}`,
    {
      field,
    },
  );
}
