/** The quality benchmark's command line (run.ts qualityOptions). */
import { describe, expect, it } from 'vitest';
import { qualityOptions, QUICK } from './run';

describe('qualityOptions', () => {
  it('the quick run: its families, seeds and preset, the CNN only, no ePIE', () => {
    const o = qualityOptions(['--quick']);
    expect([o.presets, o.generators, o.families.map((f) => f.name), o.seeds, o.epie]).toEqual([
      QUICK.presets,
      ['cnn'],
      QUICK.families,
      QUICK.seeds,
      false,
    ]);
  });

  it('--generator picks the generators each preset trains; an unknown one is refused with the list', () => {
    const o = qualityOptions(['--generator=cnn,ffno,fno_vanilla', '--family=n32-lines', '--seeds=3']);
    expect(o.generators).toEqual(['cnn', 'ffno', 'fno_vanilla']);
    expect([o.families.map((f) => f.name), o.seeds]).toEqual([['n32-lines'], [3]]);
    expect(() => qualityOptions(['--generator=unet'])).toThrow(
      '--generator=unet: unknown (generators: cnn, ffno, fno, fno_vanilla)',
    );
  });
});
