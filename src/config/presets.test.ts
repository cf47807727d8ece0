// Presets (src/config/presets.ts): valid configs that keep the scan's settings, one set of fields for all, found
// again by presetOf, torch-parity = the reference's defaults, and the restart offered after a collapse.
import { describe, expect, it } from 'vitest';
import { getField } from './fields';
import {
  PRESET_FIELDS,
  PRESET_NAMES,
  PRESETS,
  presetConfig,
  presetFor,
  presetOf,
  restartAfterCollapse,
} from './presets';
import { makeTrainingConfig, validateTrainingConfig } from './schema';

const scanConfig = makeTrainingConfig({ model: { N: 32 }, nphotons: 1e6, seed: 9, train_data_file: 'scan.npz' });

describe('presets', () => {
  it('each preset is a valid config that keeps the scan settings (N, nphotons, seed, files) and is recognised', () => {
    for (const name of PRESET_NAMES) {
      const c = presetConfig(name, scanConfig);
      validateTrainingConfig(c);
      expect([c.model.N, c.nphotons, c.seed, c.train_data_file]).toEqual([32, 1e6, 9, 'scan.npz']);
      expect(presetOf(c)).toBe(name);
      for (const [k, v] of Object.entries(PRESETS[name].settings))
        if (k !== 'model') expect(getField(c, k), `${name}.${k}`).toEqual(v);
      for (const [k, v] of Object.entries(PRESETS[name].settings.model ?? {}))
        expect(getField(c, `model.${k}`), `${name}.model.${k}`).toEqual(v);
    }
  });

  it('switching presets leaves nothing of the one before; torch-parity is the reference defaults; an edit is "custom"', () => {
    const defaults = makeTrainingConfig({ model: { N: 32 } });
    for (const a of PRESET_NAMES)
      for (const b of PRESET_NAMES) {
        const ab = presetConfig(b, presetConfig(a, scanConfig));
        for (const path of PRESET_FIELDS)
          expect(getField(ab, path), `${a} → ${b}: ${path}`).toEqual(getField(presetConfig(b, scanConfig), path));
      }
    const parity = presetConfig('torch-parity', presetConfig('small', scanConfig));
    for (const path of PRESET_FIELDS) expect(getField(parity, path), path).toEqual(getField(defaults, path));
    expect(presetOf({ ...presetConfig('small', scanConfig), learning_rate: 0.123 })).toBeNull();
    // probe_scale taken from a scan under a preset with amplitude_level goes back to the table's under torch-parity.
    const fitted = presetConfig('small', scanConfig);
    fitted.model = { ...fitted.model, probe_scale: 3.3 };
    expect(presetConfig('torch-parity', fitted).model.probe_scale).toBe(defaults.model.probe_scale);
    expect(presetOf({ ...parity, model: { ...parity.model, probe_scale: 3.3 } })).toBeNull();
    expect(presetOf(fitted)).toBe('small'); // small sets amplitude_level: its probe_scale is the scan's
  });

  it('after a collapse: the adapter preset for other settings, else the next seed', () => {
    expect(presetFor(true)).toBe('small');
    expect(presetFor(false)).toBe('reference');
    const r1 = restartAfterCollapse(presetConfig('torch-parity', scanConfig), true);
    expect([r1.preset, presetOf(r1.config), r1.config.seed]).toEqual(['small', 'small', 9]);
    const r2 = restartAfterCollapse(presetConfig('small', scanConfig), true);
    expect([r2.preset, presetOf(r2.config), r2.config.seed]).toEqual([null, 'small', 10]);
    expect(r2.change).toBe('the same settings and seed 10');
  });
});
