/**
 * The config field table: one row per field of ModelConfig, TrainingConfig and InferenceConfig (name, kind,
 * default, check, PyTorch and legacy spellings, help, settings-form info; the row shape is in
 * src/config/fieldRow.ts). Everything else about the fields follows from it: the types and defaults and the
 * validator (src/config/schema.ts), the legacy key map (src/config/legacy.ts), the PyTorch bridge
 * (src/config/torchBridge.ts), file / URL parsing (src/config/serialize.ts) and the settings form
 * (src/config/fields.ts). Adding a field is adding a row (specs/config.md, "Adding a config field").
 */
import type { ConfigOf, FieldRow } from './fieldRow.ts';
import { MODEL_TABLE } from './modelFields.ts';
import { BACKEND, SAMPLING_ROWS, TEST_DATA_FILE } from './samplingFields.ts';
import { TRAINING_TABLE } from './trainingFields.ts';

export { MODEL_TABLE } from './modelFields.ts';
export { TRAINING_TABLE } from './trainingFields.ts';

/** InferenceConfig rows (the reference's order); the sampling rows are shared with TrainingConfig. */
export const INFERENCE_TABLE = [
  {
    name: 'model_path',
    kind: 'path',
    nullable: true,
    default: null,
    fromTorch: { fixed: null },
    help: 'The trained model archive.',
  },
  TEST_DATA_FILE,
  ...SAMPLING_ROWS,
  { name: 'debug', kind: 'bool', default: false, fromTorch: { fixed: false }, help: 'Reference debug output.' },
  {
    name: 'output_dir',
    kind: 'path',
    default: 'inference_outputs',
    fromTorch: { fixed: 'inference_outputs' },
    legacy: 'output_prefix',
    help: 'Where the reference writes its outputs.',
  },
  BACKEND,
] as const satisfies readonly FieldRow[];

/** The three configs' types: one property per row (plus `model`, the nested ModelConfig). */
export type ModelConfig = ConfigOf<typeof MODEL_TABLE>;
export type TrainingConfig = { model: ModelConfig } & ConfigOf<typeof TRAINING_TABLE>;
export type InferenceConfig = { model: ModelConfig } & ConfigOf<typeof INFERENCE_TABLE>;

/** Every row of every table (shared rows once). */
export const ALL_ROWS: readonly FieldRow[] = [
  ...new Set<FieldRow>([...MODEL_TABLE, ...TRAINING_TABLE, ...INFERENCE_TABLE]),
];

/** Rows by name, per table. */
export function rowsByName(table: readonly FieldRow[]): ReadonlyMap<string, FieldRow> {
  return new Map(table.map((r) => [r.name, r]));
}
