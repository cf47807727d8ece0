// Browser test of the collapse detector (specs/app.md "Presets and the collapse detector"): a run with PyTorch's
// default initialisation on a tiny budget ends with a flat amplitude; the page says so at that epoch, flags the
// result, shows r next to SSIM, and its restart switches to the small preset and trains.
import { expect, test } from '@playwright/test';
import { presetIn, shot, state, waitFor } from './helpers';

// PyTorch's initialisation (the table's init_scheme) and four steps: the prediction stays input-independent.
const FLAT = { nepochs: 2, n_groups: 16, batch_size: 8, model: { n_filters_scale: 0.25, cbam_encoder: false } };

test('a collapsed run is flagged in the training and result views, and its restart uses the small preset', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto(`/#config=${encodeURIComponent(JSON.stringify(FLAT))}`);
  const ready = await waitFor(page, (s) => s.status === 'ready' && s.config.nepochs === 2, 60_000, 'link settings');
  expect(presetIn(ready)).toBeNull();
  await expect(page.getByTestId('preset-select')).toHaveValue('custom');
  await expect(page.getByTestId('preset-about')).toContainText('edited by hand');
  await expect(page.getByTestId('small-preset')).toBeVisible(); // a software adapter, not on the small preset

  await page.getByTestId('train-start').click();
  const done = await waitFor(page, (s) => s.status === 'trained' && !!s.result, 180_000, 'flat run finished');
  const collapse = done.collapse;
  expect(collapse).not.toBeNull();
  expect(collapse!.contrast).toBeLessThan(0.01);
  await expect(page.getByTestId('collapse-warning')).toContainText(
    `The amplitude collapsed to a constant at epoch ${collapse!.epoch}`,
  );
  await expect(page.getByTestId('collapse-restart')).toHaveText('Restart with the small preset');
  await expect(page.getByTestId('result-collapsed')).toBeVisible();
  // r next to SSIM in the metrics panel: the flat amplitude's r is small or undefined (a constant has none).
  const rText = (await page.getByTestId('metric-amp-r').textContent())!.trim();
  const rAmp = done.metrics!.amplitude.r;
  expect(rText).toBe(rAmp === null ? '—' : rAmp.toFixed(3));
  expect(rAmp === null || Math.abs(rAmp) < 0.5).toBe(true);
  await expect(page.getByTestId('metric-amp-ssim')).toHaveText(done.metrics!.amplitude.ssim.toFixed(3));
  await shot(page, 'collapse-warning');

  // The restart: the small preset, same seed, training; the warning goes with the old run.
  await page.getByTestId('collapse-restart').click();
  const again = await waitFor(
    page,
    (s) => s.status === 'training' && s.step >= 1 && presetIn(s) === 'small',
    60_000,
    'restarted with the small preset',
  );
  expect(again.config.seed).toBe(done.config.seed);
  await expect(page.getByTestId('collapse-warning')).toHaveCount(0);
  await expect(page.getByTestId('preset-select')).toHaveValue('small');
  await page.getByTestId('train-stop').click();
  await waitFor(page, (s) => s.status !== 'training' && s.status !== 'paused', 60_000, 'stopped');
  expect((await state(page)).lastRun!.status).toBe('stopped');
});
