// Tests of the experiment state in the URL hash (src/ui/urlState.ts).
import { describe, expect, it } from 'vitest';
import { makeTrainingConfig } from '../config/schema';
import { buildHash, compactConfig, parseHash } from './urlState';

describe('experiment state in the URL hash', () => {
  it('round-trips config (minus N), seed, example, stitch and a simulated scan', () => {
    const config = makeTrainingConfig({
      nepochs: 7,
      seed: 123,
      learning_rate: 3e-3,
      model: { N: 32, n_filters_scale: 0.25, cbam_encoder: false },
    });
    const simulate = {
      object: 'grf' as const,
      probe: 'default' as const,
      positions: 'grid' as const,
      N: 32,
      nphotons: 1e6,
      seed: 5,
    };
    const hash = buildHash({ example: 'none', config, stitch: 'position', simulate });
    expect(hash).toMatch(/^#example=none&simulate=%7B.*&config=%7B.*&stitch=position$/);
    const back = parseHash(hash);
    expect(back.example).toBe('none');
    expect(back.stitch).toBe('position');
    expect(back.simulate).toEqual(simulate);
    expect(back.config!.config).toEqual({ ...config, model: { ...config.model, N: 64 } });
    expect(back.config!.given.sort()).toEqual([
      'learning_rate',
      'model.cbam_encoder',
      'model.n_filters_scale',
      'nepochs',
      'seed',
    ]);
    expect(compactConfig(makeTrainingConfig())).toEqual({ seed: 42 });
  });

  it('takes single field pairs next to config=, and refuses bad input with the key named', () => {
    const s = parseHash(`#config=${encodeURIComponent('{"nepochs": 3}')}&batch_size=4&model.gridsize=2`);
    expect(s.config!.config.nepochs).toBe(3);
    expect(s.config!.config.batch_size).toBe(4);
    expect(s.config!.config.model.gridsize).toBe(2);
    expect(s.config!.given.sort()).toEqual(['batch_size', 'model.gridsize', 'nepochs']);
    expect(() => parseHash(`#config=${encodeURIComponent('{"nepochs": 0}')}`)).toThrow(/'nepochs' has invalid value 0/);
    expect(() => parseHash('#config=%7Bnot')).toThrow(/not valid JSON/);
    expect(() => parseHash('#stitch=nearest')).toThrow(/stitch=nearest is not a stitching method/);
    expect(() => parseHash('#bogus=1')).toThrow(/unknown config key 'bogus'/);
    expect(parseHash('#example=none')).toEqual({ example: 'none' });
  });
});
