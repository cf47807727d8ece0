// Browser test of a spectral generator (specs/generators.md): chosen in the settings form (the FNO fields appear, the
// CNN's go), trained on the bundled example, reconstructed, and exported as our archive and the reference's bundle.
import { expect, test } from '@playwright/test';
import { readModelArchive } from '../src/pipeline/archive/modelArchive';
import { readTorchBundle } from '../src/pipeline/archive/torchBundle';
import { download, shot, state, waitFor } from './helpers';

const TINY = { nepochs: 2, n_groups: 16, batch_size: 8 };
const field = (path: string) => `[id="cfg-${path}"]`;

/**
 * The FFNO's trainable parameter count from the reference's modules (ptycho_torch/generators/ffno.py), C input
 * channels, width w, b blocks, m modes, r refiners, real_imag head: lifter 3×3 C→w and w→w; one shared gate and one
 * shared factorized spectral operator (two complex w×w×m tensors); per block an affine instance norm and 1×1
 * expand w→2w / project 2w→w; per refiner two 3×3 w→w; a 1×1 head w→2C.
 */
function ffnoParameterCount(C: number, w: number, b: number, m: number, r: number): number {
  const conv = (i: number, o: number, k: number) => o * i * k * k + o;
  return (
    conv(C, w, 3) +
    conv(w, w, 3) +
    1 +
    2 * (w * w * m * 2) +
    b * (2 * w + conv(w, 2 * w, 1) + conv(2 * w, w, 1)) +
    r * 2 * conv(w, w, 3) +
    conv(w, 2 * C, 1)
  );
}

test('an FFNO generator chosen in the form trains, reconstructs and exports', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto(`/#config=${encodeURIComponent(JSON.stringify(TINY))}`);
  await waitFor(page, (s) => s.status === 'ready' && s.config.nepochs === 2, 60_000, 'example with link settings');
  // The CNN: its filter scale and CBAM shown, no FNO field.
  await expect(page.locator(field('model.n_filters_scale'))).toBeVisible();
  await expect(page.locator(field('model.cbam_encoder'))).toBeVisible();
  await expect(page.locator(field('model.fno_width'))).toHaveCount(0);

  await page.locator(field('model.architecture')).selectOption('ffno');
  await expect(page.locator(field('model.fno_width'))).toBeVisible();
  await expect(page.locator(field('model.n_filters_scale'))).toHaveCount(0);
  await expect(page.locator(field('model.cbam_encoder'))).toHaveCount(0);
  await page.locator(field('model.fno_width')).fill('8');
  await page.locator(field('model.fno_blocks')).fill('1');
  const set = await waitFor(
    page,
    (s) => s.config.model.architecture === 'ffno' && s.config.model.fno_width === 8 && s.config.model.fno_blocks === 1,
    10_000,
    'FFNO settings',
  );
  const m = set.config.model;
  const C = m.gridsize * m.gridsize;

  await page.getByTestId('train-start').click();
  const done = await waitFor(page, (s) => s.status === 'trained' && !!s.result && !!s.metrics, 240_000, 'trained');
  expect(done.lastRun!.status).toBe('completed');
  expect(done.losses.length).toBe(2);
  for (const l of done.losses) expect(Number.isFinite(l.train)).toBe(true);
  expect(done.model!.parameters).toBe(ffnoParameterCount(C, 8, 1, m.fno_modes, m.fno_cnn_blocks));
  expect(done.metrics!.amplitude.r).not.toBeNull();
  await expect(page.getByTestId('model-info')).toContainText(`ffno · width 8 · 1 block · ${m.fno_modes} modes`);
  await expect(page.getByTestId('recon-amplitude')).toBeVisible();
  await expect(page.getByTestId('recon-phase')).toBeVisible();
  await shot(page, 'spectral-trained');

  // Our archive keeps the generator and its settings; the reference's bundle has its aliased state_dict keys.
  const model = await download(page, () => page.getByTestId('export-model').click());
  const archive = readModelArchive(model.bytes, model.name);
  const saved = archive.config.model as Record<string, unknown>;
  expect([saved.architecture, saved.fno_width, saved.fno_blocks]).toEqual(['ffno', 8, 1]);
  let trained = 0;
  for (const [k, w] of archive.weights) if (!k.startsWith('model.forward_model.')) trained += w.data.length;
  expect(trained).toBe(done.model!.parameters);
  const torch = await download(page, () => page.getByTestId('export-torch').click());
  const bundle = readTorchBundle(torch.bytes, torch.name);
  for (const key of [
    'model.generator.ffno_stack.shared_spectral.weights_x',
    'model.autoencoder.ffno_stack.blocks.0.shared_spectral.weights_y',
    'model.generator.blocks.0.norm.weight',
  ])
    expect([...bundle.stateDict.keys()]).toContain(key);
  expect((await state(page)).error).toBeNull();
});
