// Tests of the legacy params dict (src/config/legacy.ts) against ptycho/params.py: defaults, key map, flattening, derived sizes.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PtychoError } from '../errors.ts';
import {
  DEFAULT_CFG,
  KEY_MAPPINGS,
  dataclassToLegacyDict,
  getBigN,
  getPaddedSize,
  legacyParams,
  newLegacyDict,
  updateLegacyDict,
  validateLegacyDict,
} from './legacy.ts';
import { makeInferenceConfig, makeModelConfig, makeTrainingConfig, MODEL_FIELDS, TRAINING_FIELDS } from './schema.ts';

describe('DEFAULT_CFG (specs/config.md §2)', () => {
  it('has exactly the reference entries', () => {
    // The oracle is ptycho/params.py's `cfg`: the defaults specs/config.md §2 names where they differ from the
    // dataclasses, and a fingerprint of all 40 entries (sorted by key) transcribed from the reference.
    expect(DEFAULT_CFG).toMatchObject({
      N: 128,
      'probe.mask': true,
      probe_scale: 10,
      'probe.big': false,
      'intensity_scale.trainable': false,
      nepochs: 60,
    });
    const entries = Object.entries(DEFAULT_CFG).sort(([a], [b]) => (a < b ? -1 : 1));
    expect(createHash('sha256').update(JSON.stringify(entries)).digest('hex')).toBe(
      'e8b6929dd12df331a11ab8faf63f246e8bbde3185632859fc5e32615ad7276e8',
    );
    expect(Object.keys(DEFAULT_CFG)).toHaveLength(40);
    expect(Object.isFrozen(DEFAULT_CFG)).toBe(true);
  });

  it('KEY_MAPPINGS are the reference nine', () => {
    expect({ ...KEY_MAPPINGS }).toEqual({
      object_big: 'object.big',
      probe_big: 'probe.big',
      probe_mask: 'probe.mask',
      probe_trainable: 'probe.trainable',
      intensity_scale_trainable: 'intensity_scale.trainable',
      positions_provided: 'positions.provided',
      output_dir: 'output_prefix',
      train_data_file: 'train_data_file_path',
      test_data_file: 'test_data_file_path',
    });
  });
});

describe('dataclassToLegacyDict', () => {
  it('flattens model, renames mapped keys, keeps every other field name', () => {
    const cfg = makeTrainingConfig({
      train_data_file: 'data/train.npz',
      nepochs: 7,
      model: { gridsize: 2, probe_big: false },
    });
    const d = dataclassToLegacyDict(cfg);
    expect(d.model).toBeUndefined();
    expect(d.gridsize).toBe(2);
    expect(d.N).toBe(64);
    expect(d.nepochs).toBe(7);
    expect(d['probe.big']).toBe(false);
    expect(d['object.big']).toBe(true);
    expect(d['probe.mask']).toBe(false);
    expect(d['intensity_scale.trainable']).toBe(true);
    expect(d['positions.provided']).toBe(true);
    expect(d['probe.trainable']).toBe(false);
    expect(d.output_prefix).toBe('training_outputs');
    expect(d.train_data_file_path).toBe('data/train.npz');
    expect(d.test_data_file_path).toBeNull();
    for (const old of Object.keys(KEY_MAPPINGS)) expect(old in d).toBe(false);
    // One entry per field: model fields + training fields − 'model'.
    expect(Object.keys(d)).toHaveLength(MODEL_FIELDS.length + TRAINING_FIELDS.length - 1);
  });

  it('works on a bare ModelConfig and on an InferenceConfig', () => {
    expect(dataclassToLegacyDict(makeModelConfig({ N: 128 }))).toMatchObject({ N: 128, 'object.big': true });
    const inf = dataclassToLegacyDict(makeInferenceConfig({ model_path: 'm.zip', test_data_file: 't.npz' }));
    expect(inf).toMatchObject({
      model_path: 'm.zip',
      test_data_file_path: 't.npz',
      output_prefix: 'inference_outputs',
      debug: false,
    });
  });
});

describe('updateLegacyDict', () => {
  it('dataclass values win over DEFAULT_CFG (the documented default differences)', () => {
    const d = updateLegacyDict(newLegacyDict(), makeTrainingConfig());
    expect(d.N).toBe(64); // 128 in DEFAULT_CFG
    expect(d['probe.mask']).toBe(false); // True
    expect(d.probe_scale).toBe(4); // 10
    expect(d['probe.big']).toBe(true); // False
    expect(d['intensity_scale.trainable']).toBe(true); // False
    expect(d.nepochs).toBe(50); // 60
    expect(d.gridsize).toBe(1); // 2
    expect(d.n_groups).toBe(512);
    // Keys the dataclasses do not have are untouched.
    expect(d.offset).toBe(4);
    expect(d.max_position_jitter).toBe(10);
    expect(d.data_source).toBe('generic');
    expect(DEFAULT_CFG.N).toBe(128);
  });

  it('null (None) values are skipped so existing entries persist', () => {
    const d = newLegacyDict();
    d.train_data_file_path = 'old.npz';
    d.n_subsample = 33;
    d.test_data_file_path = 'keep.npz';
    const cfg = makeTrainingConfig({ train_data_file: 'new.npz' });
    expect(cfg.test_data_file).toBeNull();
    expect(cfg.n_subsample).toBeNull();
    const out = updateLegacyDict(d, cfg);
    expect(out).toBe(d); // mutates in place, as the reference
    expect(d.train_data_file_path).toBe('new.npz');
    expect(d.test_data_file_path).toBe('keep.npz');
    expect(d.n_subsample).toBe(33);
    expect('gradient_clip_val' in d).toBe(false);
    expect('max_hidden_channels' in d).toBe(false);
  });
});

describe('derived sizes', () => {
  it('bigN = N + (gridsize−1)·offset and padded = bigN + jitter (N=64: 74 / 78)', () => {
    const d = newLegacyDict();
    d.N = 64;
    d.gridsize = 1;
    expect(getBigN(d)).toBe(64);
    expect(getPaddedSize(d)).toBe(74);
    d.gridsize = 2;
    expect(getBigN(d)).toBe(68);
    expect(getPaddedSize(d)).toBe(78);
    expect(getBigN(newLegacyDict())).toBe(132); // defaults: 128 + 1·4
    expect(legacyParams(d).bigN).toBe(68);
    expect(d.bigN).toBeUndefined();
  });

  it('refuses a non-numeric N', () => {
    const d = newLegacyDict();
    d.N = null;
    expect(() => getBigN(d)).toThrow(PtychoError);
    expect(() => getBigN(d)).toThrow(/'N' is null/);
  });
});

describe('validateLegacyDict', () => {
  it('accepts the defaults; refuses unknown data_source and realspace_mae_weight without realspace_weight', () => {
    expect(() => validateLegacyDict(newLegacyDict())).not.toThrow();
    expect(() => validateLegacyDict({ ...newLegacyDict(), data_source: 'foo' })).toThrow(/'data_source' is "foo"/);
    expect(() => validateLegacyDict({ ...newLegacyDict(), realspace_mae_weight: 0.5 })).toThrow(
      /realspace_weight is 0/,
    );
    expect(() =>
      validateLegacyDict({ ...newLegacyDict(), realspace_mae_weight: 0.5, realspace_weight: 1 }),
    ).not.toThrow();
  });
});
