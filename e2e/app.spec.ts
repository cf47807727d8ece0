import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { readNpz } from '../src/pipeline/npz';

// The numbers the app must show, read independently from the bundled file in Node.
const example = readNpz(new Uint8Array(readFileSync(new URL('../public/fixtures/lines-n32.npz', import.meta.url))));

type Exposed = { status: string; dataset: { nPatterns: number; N: number; fileName: string; hasObjectGuess: boolean } | null; error: { message: string } | null; gpu: { available: boolean; isFallbackAdapter: boolean; description: string } | null };
const state = (page: import('@playwright/test').Page) => page.evaluate(() => (window as unknown as { __ptychopinn: Exposed }).__ptychopinn);

test('opens on the bundled example: summary numbers equal the file, images drawn, WebGPU adapter reported', async ({ page }) => {
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
  await page.getByTestId('file-input').setInputFiles({ name: 'broken.npz', mimeType: 'application/octet-stream', buffer: Buffer.from('PK\u0003\u0004 this is not really a zip') });
  await expect(page.getByTestId('error-banner')).toContainText('broken.npz');
  const s = await state(page);
  expect(s.error!.message).toMatch(/broken\.npz/);
  expect(s.dataset!.fileName).toBe('lines-n32.npz');
  await expect(page.getByTestId('dataset-summary')).toContainText('lines-n32.npz');
  await page.screenshot({ path: 'test-results/app-error.png', fullPage: true });
});

test('a file that breaks the data contract is explained (missing probeGuess), and #example=none starts empty', async ({ page }) => {
  await page.goto('/#example=none');
  await expect(page.getByTestId('drop-zone')).toBeVisible();
  expect((await state(page)).dataset).toBeNull();
  const { writeNpz } = await import('../src/pipeline/npz');
  const bytes = writeNpz({
    xcoords: { dtype: 'f64', shape: [2], data: new Float64Array([1, 2]) },
    ycoords: { dtype: 'f64', shape: [2], data: new Float64Array([1, 2]) },
    diff3d: { dtype: 'f32', shape: [2, 4, 4], data: new Float32Array(32).fill(0.5) },
  });
  await page.getByTestId('file-input').setInputFiles({ name: 'noprobe.npz', mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) });
  await expect(page.getByTestId('error-banner')).toContainText('"probeGuess" is missing');
  await page.getByTestId('load-example').click();
  await expect(page.getByTestId('dataset-summary')).toContainText('lines-n32.npz');
});
