/**
 * The reference's aliased state_dict of the spectral generators (spectralStateDictKeys) against the golden files'
 * state_dict_keys (torch's order) and alias groups (tests/fixtures/golden/model_{ffno,fno,fno_vanilla}).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { goldenSpectralSpec } from '../testing/fixtures';
import { isComplexSpectralParameter, spectralStateDictKeys, type SpectralArchitecture } from './fnoGenerators';

const goldenOf = (set: string) =>
  JSON.parse(readFileSync(new URL(`../../tests/fixtures/golden/${set}/tolerances.json`, import.meta.url), 'utf8')) as {
    state_dict_keys: string[];
    aliases: string[][];
  };

const spec = (architecture: SpectralArchitecture) => goldenSpectralSpec(architecture);

describe('spectralStateDictKeys', () => {
  for (const arch of ['ffno', 'fno', 'fno_vanilla'] as const) {
    it(`${arch}: every key of the reference's state_dict in its order, aliases grouped as torch stores them`, () => {
      const g = goldenOf(`model_${arch}`);
      const keys = spectralStateDictKeys(spec(arch));
      expect(keys.map(([k]) => k)).toEqual(g.state_dict_keys);
      const groups = new Map<string, string[]>();
      for (const [k, name] of keys) groups.set(name, [...(groups.get(name) ?? []), k]);
      const multi = [...groups.values()].filter((ks) => ks.length > 1).map((ks) => [...ks].sort());
      expect(multi.sort()).toEqual(g.aliases.map((ks) => [...ks].sort()).sort());
      // the unique name is the group's first key (model.generator.…), as named_parameters reports it
      for (const [name, ks] of groups) expect(ks[0]).toBe(name);
    });
  }

  it('marks the complex spectral weights only', () => {
    const names = spectralStateDictKeys(spec('ffno')).map(([, n]) => n);
    expect([...new Set(names.filter(isComplexSpectralParameter))]).toEqual([
      'model.generator.ffno_stack.shared_spectral.weights_x',
      'model.generator.ffno_stack.shared_spectral.weights_y',
    ]);
    expect(isComplexSpectralParameter('model.generator.fno_blocks.0.spectral.weights')).toBe(true);
    expect(isComplexSpectralParameter('model.generator.fno_blocks.0.local_conv.weight')).toBe(false);
  });
});
