// Browser test of model files (specs/app.md): the reference's PyTorch bundle (wts.h5.zip) refused over a scan of
// another N (the scan kept), then reconstructing the N 64 example.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { readNpz } from '../src/pipeline/npz';
import { download, pearson, shot, state, waitFor } from './helpers';

const WTS = 'tests/fixtures/torch/wts_n64_s1_gs1.h5.zip';
const wts = readFileSync(new URL(`../${WTS}`, import.meta.url));
const fly = readNpz(new Uint8Array(readFileSync(new URL('../public/fixtures/lines-fly64.npz', import.meta.url))));

test("the reference's wts.h5.zip: refused over the N 32 example (scan kept), then reconstructs the N 64 example", async ({
  page,
}) => {
  test.setTimeout(400_000);
  // The CLI reconstructs the same scan with the same bundle in Node (the path the parity tests check against the
  // PyTorch reference); the page's export must give the same object.
  const out = join(mkdtempSync(join(tmpdir(), 'ptychopinn-e2e-')), 'recon.npz');
  const cli = promisify(execFile)(
    process.execPath,
    ['bin/ptychopinn.mjs', 'reconstruct', 'public/fixtures/lines-fly64.npz', '--model', WTS, '--out', out],
    {
      env: {
        ...process.env,
        VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? '/usr/lib/chromium/vk_swiftshader_icd.json',
      },
    },
  );
  await page.goto('/');
  await waitFor(page, (s) => s.status === 'ready', 60_000, 'example');
  await page.getByTestId('file-input').setInputFiles({ name: 'wts.h5.zip', mimeType: 'application/zip', buffer: wts });
  await expect(page.getByTestId('error-banner')).toContainText(
    'expects 64×64 patterns but the loaded scan lines-n32.npz has 32×32',
  );
  const refused = await state(page);
  expect(refused.dataset!.fileName).toBe('lines-n32.npz');
  expect(refused.model).toBeNull();

  await page.getByLabel('example dataset').selectOption('lines-fly64');
  await page.getByTestId('load-example').click();
  await waitFor(page, (s) => s.dataset?.N === 64 && s.status === 'ready', 60_000, 'N 64 example', true);
  await page.getByTestId('file-input').setInputFiles({ name: 'wts.h5.zip', mimeType: 'application/zip', buffer: wts });
  const opened = await waitFor(page, (s) => s.model?.kind === 'torch', 30_000, 'bundle opened', true);
  expect(opened.model!.N).toBe(64);
  expect(opened.config.model.n_filters_scale).toBe(1);
  expect(opened.config.model.cbam_encoder).toBe(true);
  await expect(page.getByTestId('model-info')).toContainText('PyTorch bundle wts.h5.zip');
  await page.getByTestId('reconstruct').click();
  const done = await waitFor(page, (s) => !!s.result && !!s.metrics && !s.busy, 300_000, 'reconstructed', true);

  // Geometry from the scan itself: barycentric stitching keeps the central N/2 crop of every patch.
  const xs = fly.xcoords.data as Float64Array,
    ys = fly.ycoords.data as Float64Array;
  const mt = 32;
  const x0 = Math.floor(Math.min(...xs) - mt / 2),
    y0 = Math.floor(Math.min(...ys) - mt / 2);
  expect(done.resultImage!.origin).toEqual([x0, y0]);
  expect(done.resultImage!.width).toBe(Math.ceil(Math.max(...xs) + mt / 2) - x0 + 2);
  expect(done.resultImage!.height).toBe(Math.ceil(Math.max(...ys) + mt / 2) - y0 + 2);
  expect(done.resultImage!.patches).toBe(256);

  // The exported object equals the CLI's (another GPU runtime, the same arithmetic: float32 rounding apart).
  const recon = readNpz((await download(page, () => page.getByTestId('export-recon').click())).bytes);
  await cli;
  const ref = readNpz(new Uint8Array(readFileSync(out)));
  expect(recon.object.shape).toEqual(ref.object.shape);
  expect(Array.from(recon.origin.data as Float64Array)).toEqual(Array.from(ref.origin.data as Float64Array));
  const o = recon.object.data as Float32Array,
    q = ref.object.data as Float32Array;
  let maxDiff = 0,
    maxAbs = 0;
  for (let i = 0; i < o.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(o[i] - q[i]));
    maxAbs = Math.max(maxAbs, Math.abs(q[i]));
  }
  const rAmp = pearson(recon.amplitude.data as Float32Array, ref.amplitude.data as Float32Array);
  console.log(
    `reference bundle on lines-fly64, page vs CLI: max |Δ| ${maxDiff.toExponential(2)} of max |z| ${maxAbs.toFixed(3)}, amplitude r ${rAmp.toFixed(6)}; amplitude SSIM vs objectGuess ${done.metrics!.amplitude.ssim.toFixed(4)}`,
  );
  expect(maxDiff).toBeLessThan(1e-3 * maxAbs);
  expect(rAmp).toBeGreaterThan(0.99999);
  expect(done.metrics!.amplitude.ssim).toBeCloseTo(JSON.parse(ref.metrics.text!).amplitude.ssim, 3);

  // Stitching method switch re-stitches the same predictions.
  await page.getByTestId('stitch-method').selectOption('position');
  const pos = await waitFor(
    page,
    (s) => s.resultImage?.stitch === 'position' && !s.busy,
    300_000,
    'position stitching',
    true,
  );
  expect(pos.resultImage!.origin).toEqual([Math.floor(Math.min(...xs) - 10), Math.floor(Math.min(...ys) - 10)]);
  await shot(page, 'view-reference-bundle');
});
