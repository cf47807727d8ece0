/**
 * The settings a user can change: the rows of the config field table (src/config/fieldTable.ts) that carry settings
 * form info (specs/config.md, "What the WebGPU engine does with these fields"), with their group (Model / Training,
 * as Ptychodus groups them), input kind, choices and help, in form order. The app's settings form is generated from
 * this list; values are checked by the schema's validator (src/config/schema.ts), whose messages name the field.
 */
import type { FieldInput, FieldRow } from './fieldRow.ts';
import { MODEL_TABLE, TRAINING_TABLE } from './fieldTable.ts';
import type { TrainingConfig } from './schema.ts';

export type { FieldGroup, FieldInput } from './fieldRow.ts';

export interface FieldSpec {
  /** Canonical path: 'nepochs' or 'model.gridsize'. */
  path: string;
  group: 'Model' | 'Training';
  label: string;
  help: string;
  input: FieldInput;
  options?: readonly (string | number)[];
  /** Shown under "more settings". */
  advanced?: boolean;
  /** Shown, not editable (N follows the probe). */
  readOnly?: boolean;
  /** Shown only while the field at `path` is `is` / is not `not` (FNO fields: a spectral generator; CNN fields: the CNN). */
  when?: { path: string; is: unknown } | { path: string; not: unknown };
}

/** The form input a row gets unless its ui info names one: from its kind and nullability. */
function inputOf(r: FieldRow): FieldInput {
  if (r.kind === 'bool') return 'bool';
  if (r.kind === 'choice') return r.nullable ? 'optSelect' : 'select';
  if (r.kind === 'int') return r.nullable ? 'optInt' : 'int';
  return r.nullable ? 'optNumber' : 'number';
}

function specOf(r: FieldRow, prefix: string): FieldSpec | null {
  const ui = r.ui;
  if (!ui) return null;
  const spec: FieldSpec = {
    path: prefix + r.name,
    group: ui.group,
    label: ui.label ?? r.name,
    input: ui.input ?? inputOf(r),
    help: r.help,
  };
  const options = ui.options ?? (spec.input === 'select' || spec.input === 'optSelect' ? r.choices : undefined);
  if (options) spec.options = options;
  if (ui.advanced) spec.advanced = true;
  if (ui.readOnly) spec.readOnly = true;
  if (ui.when) {
    const path = `model.${ui.when.field}`;
    spec.when = 'is' in ui.when ? { path, is: ui.when.is } : { path, not: ui.when.not };
  }
  return spec;
}

/** Whether a form field applies to the config (its `when` condition holds). */
export function fieldApplies(f: FieldSpec, c: TrainingConfig): boolean {
  if (!f.when) return true;
  const v = getField(c, f.when.path);
  return 'is' in f.when ? v === f.when.is : v !== f.when.not;
}

const GROUP_ORDER = { Model: 0, Training: 1 } as const;
const UI_ROWS: [FieldRow, string][] = [
  ...MODEL_TABLE.map((r): [FieldRow, string] => [r, 'model.']),
  ...TRAINING_TABLE.map((r): [FieldRow, string] => [r, '']),
].filter(([r]) => r.ui);

export const CONFIG_FIELDS: readonly FieldSpec[] = UI_ROWS.sort(
  ([a], [b]) => GROUP_ORDER[a.ui!.group] - GROUP_ORDER[b.ui!.group] || a.ui!.order - b.ui!.order,
).map(([r, prefix]) => specOf(r, prefix)!);

export function getField(c: TrainingConfig, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], c);
}

/** A copy of `c` with `path` set to `v` (one level of nesting: 'model.x'). */
export function setField(c: TrainingConfig, path: string, v: unknown): TrainingConfig {
  const [a, b] = path.split('.');
  return b
    ? { ...c, [a]: { ...(c as unknown as Record<string, Record<string, unknown>>)[a], [b]: v } }
    : { ...c, [a]: v };
}
