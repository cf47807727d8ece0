/** The generator in words (generatorLabel.ts). */
import { describe, expect, it } from 'vitest';
import { makeTrainingConfig } from './schema';
import { generatorLabel } from './generatorLabel';

describe('generatorLabel', () => {
  it('names the CNN by its filter scale and a spectral generator by its width, blocks and modes', () => {
    expect(generatorLabel(makeTrainingConfig({ model: { n_filters_scale: 0.25 } }))).toBe('CNN · n_filters_scale 0.25');
    expect(
      generatorLabel(
        makeTrainingConfig({ model: { architecture: 'ffno', fno_width: 8, fno_blocks: 1, fno_modes: 6 } }),
      ),
    ).toBe('ffno · width 8 · 1 block · 6 modes');
    expect(generatorLabel(makeTrainingConfig({ model: { architecture: 'fno', fno_blocks: 3 } }))).toBe(
      'fno · width 32 · 3 blocks · 12 modes',
    );
  });
});
