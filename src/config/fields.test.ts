// Tests of the settings list (src/config/fields.ts): every offered field and choice validates, bad values name the field.
import { describe, expect, it } from 'vitest';
import { PtychoError } from '../errors';
import { CONFIG_FIELDS, fieldApplies, getField, setField } from './fields';
import { makeTrainingConfig, validateTrainingConfig } from './schema';

describe('settings field table', () => {
  const base = makeTrainingConfig();

  it('every field exists in the config, once, and every offered choice validates', () => {
    const paths = CONFIG_FIELDS.map((f) => f.path);
    expect(new Set(paths).size).toBe(paths.length);
    for (const f of CONFIG_FIELDS) {
      expect(getField(base, f.path), f.path).not.toBeUndefined();
      for (const o of f.options ?? []) {
        let c = setField(base, f.path, o);
        if (f.path === 'model.model_type' && o === 'supervised') c = { ...c, torch_loss_mode: 'mae' };
        expect(() => validateTrainingConfig(c), `${f.path} = ${o}`).not.toThrow();
      }
    }
  });

  it('a bad value is refused with the field named (the form shows the message at that field)', () => {
    for (const [path, v] of [
      ['nepochs', 0],
      ['model.gridsize', 1.5],
      ['learning_rate', -1],
      ['batch_size', 3],
      ['validation_fraction', 1],
    ] as const) {
      try {
        validateTrainingConfig(setField(base, path, v));
        expect.unreachable(`${path} = ${v} was accepted`);
      } catch (e) {
        expect(e).toBeInstanceOf(PtychoError);
        expect((e as PtychoError).field).toBe(path);
        expect((e as PtychoError).message).toContain(`'${path}'`);
      }
    }
  });
});

describe('fields that apply only to some settings', () => {
  it('the FNO fields are shown for a spectral generator and the CNN fields for the CNN, each not for the other', () => {
    const fno = CONFIG_FIELDS.filter((f) => f.when && 'not' in f.when).map((f) => f.path);
    expect(fno).toEqual(
      expect.arrayContaining(['model.fno_width', 'model.fno_blocks', 'model.fno_modes', 'model.generator_output_mode']),
    );
    const cnn = makeTrainingConfig();
    const ffno = makeTrainingConfig({ model: { architecture: 'ffno' } });
    for (const path of fno) {
      const f = CONFIG_FIELDS.find((x) => x.path === path)!;
      expect([path, fieldApplies(f, cnn), fieldApplies(f, ffno)]).toEqual([path, false, true]);
    }
    // The CNN's own settings are hidden for a spectral generator (it has none of those layers).
    const cnnOnly = CONFIG_FIELDS.filter((f) => f.when && 'is' in f.when).map((f) => f.path);
    expect(cnnOnly.sort()).toEqual(
      [
        'model.amp_activation',
        'model.cbam_encoder',
        'model.init_scheme',
        'model.n_filters_scale',
        'model.probe_big',
      ].sort(),
    );
    for (const path of cnnOnly) {
      const f = CONFIG_FIELDS.find((x) => x.path === path)!;
      expect([path, fieldApplies(f, cnn), fieldApplies(f, ffno)]).toEqual([path, true, false]);
    }
    expect(CONFIG_FIELDS.find((f) => f.path === 'model.architecture')?.options).toEqual([
      'cnn',
      'ffno',
      'fno',
      'fno_vanilla',
    ]);
  });
});
