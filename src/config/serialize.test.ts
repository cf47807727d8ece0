// Tests of config files and URL hashes (src/config/serialize.ts): canonical and PyTorch spellings, export, round trips.
import { describe, expect, it } from 'vitest';
import { configError } from '../testing/thrown.ts';
import { MODEL_FIELDS, TRAINING_FIELDS, makeTrainingConfig, withProbeSize } from './schema.ts';
import {
  fromUrlHash,
  parseTrainingConfigJson,
  parseTrainingConfigJsonWithInfo,
  toUrlHash,
  trainingConfigToJson,
} from './serialize.ts';

describe('parseTrainingConfigJson: canonical shape', () => {
  it('reads the specs/config.md §4 example; missing fields take the defaults', () => {
    const c = parseTrainingConfigJson(
      '{"model": {"N": 64, "gridsize": 2, "n_filters_scale": 2}, "batch_size": 16, "nepochs": 50, "nphotons": 1e9, "n_groups": 512}',
      'cfg.json',
    );
    expect(c).toEqual(makeTrainingConfig({ model: { gridsize: 2 } }));
  });

  it('an empty object is the default config; null means "default" for non-nullable fields', () => {
    expect(parseTrainingConfigJson({})).toEqual(makeTrainingConfig());
    const c = parseTrainingConfigJson({ nepochs: null, n_groups: null, model: { N: null } });
    expect(c.nepochs).toBe(50);
    expect(c.n_groups).toBe(512);
    expect(c.model.N).toBe(64);
  });

  it('n_images (deprecated) fills n_groups', () => {
    expect(parseTrainingConfigJson({ n_images: 77 }).n_groups).toBe(77);
  });

  it('refuses unknown top-level keys and lists the valid ones', () => {
    const e = configError(() => parseTrainingConfigJson({ nepoch: 5, lr: 1 }, 'cfg.json'));
    expect(e.message).toBe("cfg.json: unknown config keys 'nepoch', 'lr'");
    for (const k of TRAINING_FIELDS) expect(e.hint).toContain(k);
    for (const k of ['grid_size', 'epochs', 'K', 'nll', 'mode']) expect(e.hint).toContain(k);
  });

  it('refuses unknown model keys and lists the model fields', () => {
    const e = configError(() => parseTrainingConfigJson({ model: { n: 64 } }, 'cfg.json'));
    expect(e.message).toBe("cfg.json: unknown config key 'model.n'");
    expect(e.hint).toBe(`valid keys under 'model': ${MODEL_FIELDS.join(', ')}`);
  });

  it('refuses bad JSON, non-objects and invalid values (validator messages pass through)', () => {
    expect(configError(() => parseTrainingConfigJson('{"a": ', 'x.json')).message).toMatch(/^x\.json: not valid JSON/);
    expect(configError(() => parseTrainingConfigJson('[1]', 'x.json')).message).toMatch(/an array/);
    expect(configError(() => parseTrainingConfigJson({ model: 3 })).message).toMatch(/'model' must be an object/);
    const e = configError(() => parseTrainingConfigJson({ batch_size: 24 }));
    expect(e.message).toBe("config field 'batch_size' has invalid value 24");
    expect(configError(() => parseTrainingConfigJson({ model: { N: 100 } })).message).toContain("'model.N'");
  });
});

describe('parseTrainingConfigJson: PyTorch spellings', () => {
  it('grid_size, epochs, K, nll, mode, learning_rate and flat model fields map to canonical', () => {
    const c = parseTrainingConfigJson({
      grid_size: [2, 2],
      epochs: 5,
      K: 7,
      nll: false,
      mode: 'Supervised',
      learning_rate: 3e-4,
      N: 32,
      amp_activation: 'silu',
      n_filters_scale: 0.5,
      torch_loss_mode: 'mae',
    });
    expect(c).toEqual(
      makeTrainingConfig({
        nepochs: 5,
        neighbor_count: 7,
        nll_weight: 0,
        learning_rate: 3e-4,
        torch_loss_mode: 'mae',
        model: { gridsize: 2, model_type: 'supervised', N: 32, amp_activation: 'swish', n_filters_scale: 0.5 },
      }),
    );
    expect(parseTrainingConfigJson({ C: 9 }).model.gridsize).toBe(3);
    expect(parseTrainingConfigJson({ model: { amp_activation: 'SiLU' } }).model.amp_activation).toBe('swish');
  });

  it('raises like the bridge: non-square grid, bad mode, bad activation, non-square C, non-bool nll', () => {
    expect(configError(() => parseTrainingConfigJson({ grid_size: [1, 2] })).message).toMatch(/non-square grids/);
    expect(configError(() => parseTrainingConfigJson({ mode: 'pinn' })).hint).toBe(
      "use 'Unsupervised' or 'Supervised'",
    );
    expect(configError(() => parseTrainingConfigJson({ amp_activation: 'tanh' })).message).toMatch(
      /unknown activation "tanh"/,
    );
    expect(configError(() => parseTrainingConfigJson({ C: 3 })).message).toMatch(/'C' is 3, not a square/);
    expect(configError(() => parseTrainingConfigJson({ nll: 1 })).message).toMatch(/'nll' is 1/);
  });

  it('two spellings of one field must agree', () => {
    expect(parseTrainingConfigJson({ epochs: 5, nepochs: 5 }).nepochs).toBe(5);
    const e = configError(() => parseTrainingConfigJson({ epochs: 5, nepochs: 7 }));
    expect(e.message).toMatch(/'nepochs' is given twice with different values \(7 and 5 from 'epochs'\)/);
    expect(configError(() => parseTrainingConfigJson({ grid_size: [2, 2], model: { gridsize: 3 } })).message).toMatch(
      /'model.gridsize' is given twice/,
    );
    expect(configError(() => parseTrainingConfigJson({ N: 32, model: { N: 64 } })).message).toMatch(
      /'model.N' is given twice/,
    );
  });

  it('reports which fields were given (for N from the probe)', () => {
    const { given } = parseTrainingConfigJsonWithInfo({ N: 32, epochs: 2 });
    expect(given.sort()).toEqual(['model.N', 'nepochs']);
    const p = parseTrainingConfigJsonWithInfo({ nepochs: 2 });
    expect(withProbeSize(p.config, 128, { explicitN: p.given.includes('model.N') }).model.N).toBe(128);
  });
});

describe('JSON export', () => {
  it('round-trips a non-default config exactly, with model nested and every field present', () => {
    const c = makeTrainingConfig({
      nepochs: 3,
      seed: 7,
      train_data_file: 'dir/a b.npz',
      gradient_clip_val: 0.5,
      scheduler: 'WarmupCosine',
      validation_fraction: 0,
      model: { N: 32, gridsize: 2, probe_mask_diameter: 12.5, n_filters_scale: 0.25 },
    });
    const text = trainingConfigToJson(c);
    const obj = JSON.parse(text);
    expect(Object.keys(obj)[0]).toBe('model');
    expect(Object.keys(obj).sort()).toEqual([...TRAINING_FIELDS].sort());
    expect(Object.keys(obj.model).sort()).toEqual([...MODEL_FIELDS].sort());
    expect(parseTrainingConfigJson(text)).toEqual(c);
  });

  it('refuses to export an invalid config', () => {
    expect(() => trainingConfigToJson({ ...makeTrainingConfig(), batch_size: 3 })).toThrow(/batch_size/);
  });
});

describe('URL hash', () => {
  it('default config → only the seed', () => {
    expect(toUrlHash(makeTrainingConfig())).toBe('#seed=42');
    expect(toUrlHash(makeTrainingConfig({ seed: 5, n_groups: 64 }))).toBe('#seed=5&n_groups=64');
    expect(fromUrlHash('#seed=42')).toEqual(makeTrainingConfig());
  });

  it('round-trips the whole config incl. seed, strings, nulls and booleans', () => {
    const c = makeTrainingConfig({
      seed: 1234,
      nepochs: 5,
      nphotons: 1e7,
      learning_rate: 2.5e-4,
      train_data_file: 'data/my run&x=1.npz',
      probe_trainable: true,
      gradient_clip_val: 2,
      backend: 'pytorch',
      model: {
        N: 32,
        gridsize: 2,
        amp_activation: 'relu',
        object_big: false,
        probe_mask_diameter: 30,
        cbam_encoder: false,
      },
    });
    const h = toUrlHash(c);
    expect(h).toContain('seed=1234');
    expect(h).toContain('model.N=32');
    expect(h).toContain('model.object_big=false');
    expect(h).toContain('train_data_file=data%2Fmy%20run%26x%3D1.npz');
    expect(fromUrlHash(h)).toEqual(c);
    expect(fromUrlHash(h.slice(1))).toEqual(c); // leading '#' optional
  });

  it('nullable fields decode "null" as null and other values by their type (number or path string)', () => {
    const c = fromUrlHash(
      '#train_data_file=null&test_data_file=123&model.max_hidden_channels=64&gradient_clip_val=null',
    );
    expect(c.model.max_hidden_channels).toBe(64);
    expect(c.train_data_file).toBeNull();
    expect(c.test_data_file).toBe('123'); // a path, kept as a string
    expect(c.gradient_clip_val).toBeNull();
  });

  it('refuses unknown keys with the valid list, and values of the wrong type', () => {
    const e = configError(() => fromUrlHash('#seed=1&epochz=3'));
    expect(e.message).toBe("URL hash: unknown config key 'epochz'");
    expect(e.hint).toContain('model.N');
    expect(e.hint).toContain('nepochs');
    expect(configError(() => fromUrlHash('#nepochs=abc')).message).toBe("URL hash: 'nepochs=abc' is not a number");
    expect(configError(() => fromUrlHash('#model.object_big=yes')).message).toMatch(/not true or false/);
    expect(configError(() => fromUrlHash('#seed')).message).toMatch(/no '=value'/);
    expect(configError(() => fromUrlHash('#batch_size=3')).message).toMatch(/'batch_size'/);
  });
});
