// Browser tests of the page on the bundled example (specs/app.md): the dataset summary against the file read in
// Node, images, errors explained by name, settings and #config= links.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { readNpz } from '../src/pipeline/npz';
import { state } from './helpers';

// The numbers the app must show, read independently from the bundled file in Node.
const example = readNpz(new Uint8Array(readFileSync(new URL('../public/fixtures/lines-n32.npz', import.meta.url))));

test('opens on the bundled example: summary numbers equal the file, images drawn, WebGPU adapter reported', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  const s = await state(page);
  expect(s.status).toBe('ready');
  expect(s.dataset!.nPatterns).toBe(example.diff3d.shape[0]);
  expect(s.dataset!.N).toBe(example.diff3d.shape[1]);
  expect(s.dataset!.hasObjectGuess).toBe(true);
  await expect(page.getByTestId('n-patterns')).toHaveText(String(example.diff3d.shape[0]));
  await expect(page.getByTestId('object-amplitude')).toBeVisible();
  await expect(page.getByTestId('config-panel')).toContainText('gridsize');
  await expect(page.getByTestId('gpu-status')).not.toHaveText(/checking/);
  const g = (await state(page)).gpu!;
  expect(g.available).toBe(true);
  // No GPU here: Chromium gives SwiftShader, reported as a (slow) fallback adapter.
  expect(g.isFallbackAdapter).toBe(true);
  await expect(page.getByTestId('gpu-status')).toContainText('software adapter');
  await page.screenshot({ path: 'test-results/app-example.png', fullPage: true });
});

test('a corrupt file shows the error banner with the file name and keeps the loaded dataset', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('dataset-summary')).toBeVisible();
  await page.getByTestId('file-input').setInputFiles({
    name: 'broken.npz',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from('PK\u0003\u0004 this is not really a zip'),
  });
  await expect(page.getByTestId('error-banner')).toContainText('broken.npz');
  const s = await state(page);
  expect(s.error!.message).toMatch(/broken\.npz/);
  expect(s.dataset!.fileName).toBe('lines-n32.npz');
  await expect(page.getByTestId('dataset-summary')).toContainText('lines-n32.npz');
  await page.screenshot({ path: 'test-results/app-error.png', fullPage: true });
});

test('a scan with a wrong key is explained (missing probeGuess) and the loaded dataset stays; #example=none starts empty', async ({
  page,
}) => {
  const { writeNpz } = await import('../src/pipeline/npz');
  const bytes = writeNpz({
    xcoords: { dtype: 'f64', shape: [2], data: new Float64Array([1, 2]) },
    ycoords: { dtype: 'f64', shape: [2], data: new Float64Array([1, 2]) },
    diff3d: { dtype: 'f32', shape: [2, 4, 4], data: new Float32Array(32).fill(0.5) },
    probe: { dtype: 'c64', shape: [4, 4], data: new Float32Array(32).fill(0.5) },
  });
  await page.goto('/');
  await expect(page.getByTestId('dataset-summary')).toContainText('lines-n32.npz');
  await page
    .getByTestId('file-input')
    .setInputFiles({ name: 'noprobe.npz', mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
  await expect(page.getByTestId('error-banner')).toContainText('"probeGuess" is missing');
  const s = await state(page);
  expect(s.dataset!.fileName).toBe('lines-n32.npz');
  expect(s.status).toBe('ready');
  await expect(page.getByTestId('dataset-summary')).toContainText('lines-n32.npz');

  await page.goto('/#example=none');
  await page.reload();
  await expect(page.getByTestId('drop-zone')).toBeVisible();
  await page.waitForTimeout(500);
  expect((await state(page)).dataset).toBeNull();
  await page.getByTestId('load-example').click();
  await expect(page.getByTestId('dataset-summary')).toContainText('lines-n32.npz');
});

test('settings: generated groups, inline validation with the schema message, reset, and a #config= link applied before the scan (N follows the probe)', async ({
  page,
}) => {
  const cfg = encodeURIComponent(
    JSON.stringify({ nepochs: 3, batch_size: 4, nphotons: 1e6, model: { N: 128, gridsize: 2 } }),
  );
  await page.goto(`/#config=${cfg}`);
  await expect(page.getByTestId('dataset-summary')).toContainText('lines-n32.npz');
  for (const g of ['model', 'training', 'inference']) await expect(page.getByTestId(`config-group-${g}`)).toBeVisible();
  let s = await state(page);
  // The link's settings survive the example's metadata (nphotons 1e9 in the file); N follows the probe.
  expect(s.config.nepochs).toBe(3);
  expect(s.config.nphotons).toBe(1e6);
  expect(s.config.model.N).toBe(32);
  expect((s.config.model as unknown as { gridsize: number }).gridsize).toBe(2);
  const nepochs = page.locator('#cfg-nepochs');
  await nepochs.fill('0');
  await expect(page.getByTestId('config-group-training')).toContainText("config field 'nepochs' has invalid value 0");
  expect((await state(page)).config.nepochs).toBe(3);
  await nepochs.fill('5');
  await expect(page.getByTestId('config-group-training')).not.toContainText('invalid value');
  await expect.poll(async () => (await state(page)).config.nepochs).toBe(5);
  await page.getByTestId('config-reset').click();
  await expect.poll(async () => (await state(page)).config.nepochs).toBe(50);
  s = await state(page);
  expect(s.config.model.N).toBe(32);
  await page.getByTestId('config-panel').screenshot({ path: 'test-results/view-settings.png' });
});
