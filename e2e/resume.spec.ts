// Browser tests of runs that outlive trouble (specs/app.md): a page reload mid-training resumes from the IndexedDB
// checkpoint, a lost GPU device offers the last checkpoint, a full browser storage is explained.
import { expect, test } from '@playwright/test';
import { shot, state, waitFor } from './helpers';

/** A small run on a scan simulated in the page (N 32, 40 positions): seconds per epoch on SwiftShader. */
const CONFIG = {
  model: { n_filters_scale: 0.25, cbam_encoder: false },
  batch_size: 4,
  nepochs: 14,
  n_groups: 40,
  learning_rate: 3e-3,
  validation_fraction: 0.125,
  seed: 11,
};

test('simulate a scan in the page, import a config, watch live previews within their budget, reload mid-training and resume from the checkpoint', async ({
  page,
}) => {
  test.setTimeout(600_000);
  await page.goto('/#example=none');
  await expect(page.getByTestId('drop-zone')).toBeVisible();
  expect((await state(page)).dataset).toBeNull();

  // Simulate (the same code as `ptychopinn simulate`).
  await page.getByTestId('simulate-open').click();
  await page.getByTestId('sim-n-images').fill('40');
  await page.getByTestId('simulate-run').click();
  const sim = await waitFor(page, (s) => s.status === 'ready' && s.dataset?.nPatterns === 40, 60_000, 'simulated scan');
  expect(sim.dataset!.N).toBe(32);
  expect(sim.dataset!.hasObjectGuess).toBe(true);
  expect(sim.dataset!.fileName).toMatch(/^simulated-lines-N32-seed42\.npz$/);

  // Import settings from a JSON file; N still follows the probe.
  await page.getByTestId('config-import').setInputFiles({
    name: 'small.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ ...CONFIG, model: { ...CONFIG.model, N: 64 } })),
  });
  const configured = await waitFor(page, (s) => s.config.nepochs === 14, 10_000, 'config imported');
  expect(configured.config.model.N).toBe(32);
  expect(configured.config.seed).toBe(11);
  expect(configured.config.batch_size).toBe(4);
  // The link now carries the simulated scan and the settings.
  const hash = decodeURIComponent(new URL(page.url()).hash);
  expect(hash).toContain('simulate={"object":"lines"');
  expect(hash).toContain('"nepochs":14');

  await page.getByTestId('train-start').click();
  const live = await waitFor(
    page,
    (s) => s.previews >= 1 && (s.checkpoint?.epoch ?? 0) >= 4,
    300_000,
    'live preview and checkpoints',
  );
  await expect(page.getByTestId('live-amplitude')).toBeVisible();
  await expect(page.getByTestId('live-phase')).toBeVisible();
  console.log(`live previews: ${live.previews}, overhead so far ${(100 * live.previewOverhead!).toFixed(1)} %`);
  expect(live.previewOverhead!).toBeLessThanOrEqual(0.15);
  await shot(page, 'view-training-live');

  // Reload in the middle of the run: the page offers the stored checkpoint.
  const before = await state(page);
  await page.reload();
  await expect(page.getByTestId('recovery-banner')).toBeVisible({ timeout: 60_000 });
  const after = await waitFor(page, (s) => s.status === 'ready' && !!s.checkpoint, 60_000, 'reloaded');
  const k = after.checkpoint!.epoch;
  expect(k).toBeGreaterThanOrEqual(4);
  expect(k).toBeLessThan(14);
  // The reloaded page re-simulated the same scan from the link.
  expect(after.dataset!.fileName).toBe(sim.dataset!.fileName);
  await expect(page.getByTestId('recovery-banner')).toContainText(`epoch ${k} of 14`);
  await page.getByTestId('recovery-banner').screenshot({ path: 'test-results/view-recovery.png' });
  await page.getByTestId('checkpoint-resume').click();
  const done = await waitFor(page, (s) => s.status === 'trained' && !!s.result, 300_000, 'resumed run finished');
  // The run continued at epoch k + 1: only the missing epochs ran, and the history is whole and unchanged.
  expect(done.lastRun!.status).toBe('completed');
  expect(done.lastRun!.epochs).toBe(14 - k);
  expect(done.losses.map((l) => l.epoch)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
  const common = before.losses.filter((l) => l.epoch <= k);
  expect(done.losses.slice(0, common.length)).toEqual(common);
  expect(done.metrics).not.toBeNull();
});

test('a lost GPU device offers the last checkpoint; resuming on a new device finishes the run', async ({ page }) => {
  test.setTimeout(300_000);
  const cfg = encodeURIComponent(JSON.stringify({ ...CONFIG, nepochs: 6 }));
  await page.goto(`/#config=${cfg}`);
  await waitFor(page, (s) => s.status === 'ready' && s.config.nepochs === 6, 60_000, 'example with the link settings');
  await page.getByTestId('train-start').click();
  await waitFor(page, (s) => (s.checkpoint?.epoch ?? 0) >= 2, 180_000, 'two checkpoints');
  await page.evaluate(() =>
    (window as unknown as { __ptychopinnDebug: { loseDevice(): Promise<null> } }).__ptychopinnDebug.loseDevice(),
  );
  const lost = await waitFor(
    page,
    (s) => s.status !== 'training' && s.recovery !== null && s.lastRun?.status === 'failed',
    60_000,
    'device lost',
    true,
  );
  expect(lost.recovery).toMatch(/GPU device was lost/);
  expect(lost.error!.message).toMatch(/lost/);
  const k = lost.checkpoint!.epoch;
  await expect(page.getByTestId('checkpoint-resume')).toBeVisible();
  await page.getByTestId('checkpoint-resume').click();
  const done = await waitFor(
    page,
    (s) => s.status === 'trained' && !!s.result && s.lastRun?.status === 'completed',
    240_000,
    'resumed after device loss',
    true,
  );
  expect(done.lastRun!.epochs).toBe(6 - k);
  expect(done.losses.map((l) => l.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
});

test('a full browser storage is explained (what was not saved, what to do) and training goes on to the end', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const cfg = encodeURIComponent(JSON.stringify({ ...CONFIG, nepochs: 3 }));
  await page.goto(`/#config=${cfg}`);
  await waitFor(page, (s) => s.status === 'ready' && s.config.nepochs === 3, 60_000, 'example with the link settings');
  await page.evaluate(() =>
    (
      window as unknown as { __ptychopinnDebug: { failStorage(n: string): Promise<null> } }
    ).__ptychopinnDebug.failStorage('QuotaExceededError'),
  );
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('storage-warning')).toContainText("The browser's storage is full", {
    timeout: 120_000,
  });
  await expect(page.getByTestId('storage-warning')).toContainText('could not be saved');
  await expect(page.getByTestId('storage-warning')).toContainText('export the model');
  const done = await waitFor(
    page,
    (s) => s.status === 'trained' && !!s.result,
    240_000,
    'run finished despite the storage fault',
  );
  expect(done.lastRun!.status).toBe('completed');
  expect(done.losses.map((l) => l.epoch)).toEqual([1, 2, 3]);
  expect(done.checkpoint).toBeNull();
  await expect(page.getByTestId('export-model')).toBeEnabled();
});
