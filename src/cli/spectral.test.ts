/** The CLI with a spectral generator (specs/generators.md): train, convert, reconstruct. */
import { describe, expect, it } from 'vitest';
import { readModelArchive } from '../pipeline/archive/modelArchive';
import { readNpz, writeNpz } from '../pipeline/npz';
import { linesScan } from '../testing/fixtures';
import { memIO } from '../testing/memIO';
import { main } from './main';

describe('ptychopinn CLI with a spectral generator', () => {
  it('a spectral generator through the CLI: train with --config, convert to a PyTorch bundle, the same reconstruction from both files (GPU)', async () => {
    const scan = linesScan({ nImages: 12, objectSize: 64, seed: 4 });
    const cfg = {
      nepochs: 1,
      batch_size: 4,
      n_groups: 8,
      validation_fraction: 0.25,
      model: { architecture: 'fno_vanilla', fno_width: 4, fno_blocks: 1, fno_modes: 4, fno_input_transform: 'sqrt' },
    };
    const m = memIO({ 'scan.npz': writeNpz(scan), 'cfg.json': new TextEncoder().encode(JSON.stringify(cfg)) });
    expect(
      await main(['train', 'scan.npz', '--config', 'cfg.json', '--out', 'model.zip'], m.io),
      m.err.join('\n'),
    ).toBe(0);
    expect([...m.out, ...m.err].join('\n')).toContain(
      'N=32, gridsize 1, fno_vanilla · width 4 · 1 block · 4 modes, 1 epochs',
    );
    expect(readModelArchive(m.fs.get('model.zip')!, 'model.zip').config.model).toMatchObject(cfg.model);
    expect(await main(['convert', 'model.zip', '--to', 'torch', '--out', 'wts.h5.zip'], m.io), m.err.join('\n')).toBe(
      0,
    );
    for (const [model, out] of [
      ['model.zip', 'a.npz'],
      ['wts.h5.zip', 'b.npz'],
    ])
      expect(await main(['reconstruct', 'scan.npz', '--model', model, '--out', out], m.io), m.err.join('\n')).toBe(0);
    const [a, b] = ['a.npz', 'b.npz'].map((f) => readNpz(m.fs.get(f)!).object.data as Float32Array);
    expect(a.length).toBeGreaterThan(0);
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});
