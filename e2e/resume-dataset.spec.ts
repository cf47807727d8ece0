// Browser test of one truth for the loaded scan (specs/app.md): a scan from a file, trained one epoch under
// #example=none, then a reload and "resume": the dataset view, the page's state, the model line and the link all
// name the checkpoint's scan, and the bundled example is never loaded over it.
import { expect, test, type Page } from '@playwright/test';
import { shot, waitFor } from './helpers';

/** The small run the other browser tests use (N 32, 40 positions): seconds per epoch on SwiftShader. */
const CONFIG = {
  model: { n_filters_scale: 0.25, cbam_encoder: false },
  batch_size: 4,
  nepochs: 2,
  n_groups: 40,
  learning_rate: 3e-3,
  validation_fraction: 0.125,
  seed: 11,
};
const SCAN = 'my-scan.npz';
/** The bundled examples (src/ui/controller.ts EXAMPLES), as the dataset view would name them. */
const EXAMPLE_FILES = ['lines-n32.npz', 'lines-fly64.npz'];

/** A small simulated scan (not the bundled example's bytes) as a user's file. */
async function scanBytes(): Promise<Buffer> {
  const { simulateDataset } = await import('../src/pipeline/simulate');
  const { writeNpz } = await import('../src/pipeline/npz');
  const arrays = simulateDataset({
    object: 'lines',
    probe: 'default',
    positions: 'random',
    N: 32,
    nImages: 40,
    seed: 5,
  });
  return Buffer.from(writeNpz(arrays));
}

/** Open the page with no example, drop the scan as a file, train until the epoch-1 checkpoint is saved. */
async function scanWithCheckpoint(page: Page): Promise<void> {
  await page.goto(`/#example=none&config=${encodeURIComponent(JSON.stringify(CONFIG))}`);
  await waitFor(page, (s) => s.config.nepochs === 2 && s.gpu !== null, 60_000, 'settings from the link');
  await page
    .getByTestId('file-input')
    .setInputFiles({ name: SCAN, mimeType: 'application/octet-stream', buffer: await scanBytes() });
  const loaded = await waitFor(page, (s) => s.status === 'ready' && s.dataset?.fileName === SCAN, 60_000, 'scan');
  expect(loaded.dataset!.nPatterns).toBe(40);
  // A file cannot come back from a link: the link keeps saying "no example".
  expect(decodeURIComponent(new URL(page.url()).hash)).toContain('example=none');
  await page.getByTestId('train-start').click();
  await waitFor(page, (s) => (s.checkpoint?.epoch ?? 0) >= 1, 180_000, 'first epoch checkpointed');
}

test('a resumed checkpoint restores its scan into every view, and a reload under #example=none loads no example', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await scanWithCheckpoint(page);
  await page.reload();

  // The reloaded page offers the checkpoint and loads nothing over its scan.
  await expect(page.getByTestId('recovery-banner')).toBeVisible({ timeout: 60_000 });
  const after = await waitFor(page, (s) => !!s.checkpoint && s.gpu !== null && s.status !== 'loading', 60_000, 'up');
  expect(after.checkpoint!.dataset).toBe(SCAN);
  expect(after.dataset).toBeNull();
  expect(decodeURIComponent(new URL(page.url()).hash)).toContain('example=none');

  await page.getByTestId('checkpoint-resume').click();
  const done = await waitFor(page, (s) => s.status === 'trained' && !!s.result, 240_000, 'resumed run finished');
  expect(done.lastRun!.status).toBe('completed');
  expect(done.dataset!.fileName).toBe(SCAN);
  expect(done.dataset!.nPatterns).toBe(40);
  expect(done.model!.source).toContain(`checkpoint of ${SCAN}`);
  await expect(page.getByTestId('dataset-summary')).toContainText(SCAN);
  await expect(page.getByTestId('n-patterns')).toHaveText('40');
  await expect(page.getByTestId('model-info')).toContainText(`checkpoint of ${SCAN}`);
  // One scan on screen: no bundled example's name anywhere, and the link still loads none.
  const text = await page.locator('body').innerText();
  for (const name of EXAMPLE_FILES) expect(text).not.toContain(name);
  expect(decodeURIComponent(new URL(page.url()).hash)).toContain('example=none');
  await shot(page, 'resume-dataset');
});

test('without a link, resuming replaces the loaded example with the checkpoint scan in the dataset view', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await scanWithCheckpoint(page);

  // A plain address: the page starts with the bundled example, and offers the checkpoint.
  await page.goto('/');
  await waitFor(page, (s) => s.status === 'ready' && s.dataset?.fileName === 'lines-n32.npz', 60_000, 'example');
  await page.getByTestId('checkpoint-resume').click();
  const switched = await waitFor(page, (s) => s.dataset?.fileName === SCAN, 120_000, 'checkpoint scan shown');
  expect(switched.dataset!.nPatterns).toBe(40);
  await waitFor(page, (s) => s.status === 'trained' && !!s.result, 240_000, 'resumed run finished');
  await expect(page.getByTestId('dataset-summary')).toContainText(SCAN);
  await expect(page.getByTestId('model-info')).toContainText(`checkpoint of ${SCAN}`);
  await expect(page.getByTestId('dataset-summary')).not.toContainText('lines-n32.npz');
  expect(decodeURIComponent(new URL(page.url()).hash)).toContain('example=none');
});
