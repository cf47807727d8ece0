// Tests of the config field table (src/config/fieldTable.ts) and what follows from it: names unique, defaults
// valid, the derived types equal the field lists (checked by tsc), and a "__proto__" key cannot replace a prototype.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { allowedText, fieldAccepts, type FieldRow } from './fieldRow.ts';
import { ALL_ROWS, INFERENCE_TABLE, MODEL_TABLE, TRAINING_TABLE } from './fieldTable.ts';
import { paddedCanvasSize } from './geometry.ts';
import {
  INFERENCE_FIELDS,
  MODEL_FIELDS,
  TRAINING_FIELDS,
  makeInferenceConfig,
  makeModelConfig,
  makeTrainingConfig,
  type InferenceConfig,
  type ModelConfig,
  type PatchSize,
  type TrainingConfig,
} from './schema.ts';

describe('config field table', () => {
  it.each([
    ['model', MODEL_TABLE],
    ['training', TRAINING_TABLE],
    ['inference', INFERENCE_TABLE],
  ] as const)('%s: names are unique and every default passes its own check', (_, table) => {
    const rows: readonly FieldRow[] = table;
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
    for (const r of rows) expect([r.name, fieldAccepts(r, r.default)]).toEqual([r.name, true]);
  });

  it('rows are well formed: choices only on choice rows, a ui order unique per group, torch spellings qualified', () => {
    const orders = new Set<string>();
    for (const r of ALL_ROWS) {
      expect(r.kind === 'choice', r.name).toBe(r.choices !== undefined);
      expect(allowedText(r).length, r.name).toBeGreaterThan(0);
      for (const p of r.torch ?? []) expect(p, r.name).toMatch(/^(data|model|training|execution)\.\w+$/);
      if (r.ui) {
        const key = `${r.ui.group}:${r.ui.order}`;
        expect(orders.has(key), key).toBe(false);
        orders.add(key);
      }
    }
  });

  it('the derived types have exactly the rows as properties, typed by kind, choices and nullability', () => {
    expectTypeOf<keyof ModelConfig>().toEqualTypeOf<(typeof MODEL_TABLE)[number]['name']>();
    expectTypeOf<keyof TrainingConfig>().toEqualTypeOf<'model' | (typeof TRAINING_TABLE)[number]['name']>();
    expectTypeOf<keyof InferenceConfig>().toEqualTypeOf<'model' | (typeof INFERENCE_TABLE)[number]['name']>();
    expectTypeOf<ModelConfig['N']>().toEqualTypeOf<PatchSize>();
    expectTypeOf<ModelConfig['amp_loss']>().toEqualTypeOf<'Total_Variation' | 'Mean_Deviation' | null>();
    expectTypeOf<TrainingConfig['n_groups']>().toEqualTypeOf<number | null>();
    expectTypeOf<TrainingConfig['train_data_file']>().toEqualTypeOf<string | null>();
    expectTypeOf<TrainingConfig['output_dir']>().toEqualTypeOf<string>();
    expectTypeOf<TrainingConfig['probe_trainable']>().toEqualTypeOf<boolean>();
    expectTypeOf<TrainingConfig['model']>().toEqualTypeOf<ModelConfig>();
    // The runtime field lists are the same names, in row order.
    expect(Object.keys(makeModelConfig())).toEqual(MODEL_FIELDS);
    expect(Object.keys(makeTrainingConfig()).sort()).toEqual([...TRAINING_FIELDS].sort());
    expect(Object.keys(makeInferenceConfig()).sort()).toEqual([...INFERENCE_FIELDS].sort());
  });

  it('a "__proto__" key in the overrides (as JSON.parse makes it) is skipped, not turned into the prototype', () => {
    const evil = JSON.parse('{"__proto__": {"polluted": true}, "nepochs": 3, "model": {"__proto__": {"x": 1}}}');
    const c = makeTrainingConfig(evil);
    expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(c.model)).toBe(Object.prototype);
    expect((c as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(c, '__proto__')).toBe(false);
    expect(c.nepochs).toBe(3);
    const i = makeInferenceConfig(JSON.parse('{"__proto__": {"debug": true}}'));
    expect(Object.getPrototypeOf(i)).toBe(Object.prototype);
    expect(i.debug).toBe(false);
  });

  it('padded canvas: N + (gridsize − 1)·4', () => {
    expect([paddedCanvasSize(64, 1), paddedCanvasSize(64, 2), paddedCanvasSize(32, 3)]).toEqual([64, 68, 40]);
  });
});
