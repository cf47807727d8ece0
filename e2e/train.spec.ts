// Browser test of training in the page (specs/app.md): the small preset on the bundled example, pause and resume,
// falling losses, the stitched object against objectGuess, exports, and a fresh page reopening the model.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { unzipSync } from 'fflate';
import { readModelArchive } from '../src/pipeline/archive/modelArchive';
import { readTorchBundle } from '../src/pipeline/archive/torchBundle';
import { PRESETS } from '../src/config/presets';
import { readNpz } from '../src/pipeline/npz';
import {
  download,
  longTasks,
  observeLongTasks,
  pageNow,
  pearson,
  pngSize,
  presetIn,
  recordRequests,
  shot,
  state,
  waitFor,
} from './helpers';

/** The small preset's epochs: what the run, its history and its exports hold. */
const EPOCHS = PRESETS.small.settings.nepochs!;

// The bundled example, read independently in Node: the ground truth the stitched object is compared with.
const example = readNpz(new Uint8Array(readFileSync(new URL('../public/fixtures/lines-n32.npz', import.meta.url))));

/** Pearson r of the reconstructed amplitude and objectGuess's amplitude over the metrics region. */
function amplitudeCorrelation(
  recon: Record<string, { data: ArrayLike<number>; shape: number[] }>,
  region: { x0: number; y0: number; width: number; height: number },
): number {
  const [, W] = recon.object.shape;
  const origin = recon.origin.data;
  const [, TW] = example.objectGuess.shape;
  const t = example.objectGuess.data as Float32Array;
  const o = recon.object.data as Float32Array;
  const a: number[] = [],
    b: number[] = [];
  for (let y = region.y0; y < region.y0 + region.height; y++)
    for (let x = region.x0; x < region.x0 + region.width; x++) {
      const i = y * W + x;
      const j = (y + origin[1]) * TW + (x + origin[0]);
      a.push(Math.hypot(o[2 * i], o[2 * i + 1]));
      b.push(Math.hypot(t[2 * j], t[2 * j + 1]));
    }
  return pearson(a, b);
}

test('train the small preset on the example: pause and resume, losses fall, the stitched object matches objectGuess, exports check out, a fresh page reopens the model', async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(600_000);
  await observeLongTasks(page);
  const requests = recordRequests(page);
  await page.goto('/');
  await waitFor(page, (s) => s.status === 'ready', 60_000, 'example loaded');
  // A fresh page on a software adapter follows the small preset, marked as this adapter's, with no notice to switch.
  const cfg = (await waitFor(page, (s) => presetIn(s) === 'small', 10_000, 'small preset on a fresh page')).config;
  await expect(page.getByTestId('preset-select')).toHaveValue('small');
  await expect(page.getByTestId('preset-select').locator('option[value="small"]')).toContainText('for this GPU');
  await expect(page.getByTestId('preset-about')).toContainText('two CPU cores');
  await expect(page.getByTestId('small-preset')).toHaveCount(0);
  expect(cfg.nepochs).toBe(EPOCHS);
  expect(cfg.model.N).toBe(32);

  const trainFrom = await pageNow(page);
  await page.getByTestId('train-start').click();
  await waitFor(page, (s) => s.status === 'training' && s.epoch >= 3, 180_000, 'training epoch 3');
  await shot(page, 'view-training');
  await page.getByTestId('train-pause').click();
  await waitFor(page, (s) => s.status === 'paused', 10_000, 'paused');
  await page.waitForTimeout(1500); // steps already queued on the GPU finish
  const paused = await state(page);
  await page.waitForTimeout(3000);
  const still = await state(page);
  expect([still.epoch, still.step]).toEqual([paused.epoch, paused.step]);
  expect(still.status).toBe('paused');
  await page.getByTestId('train-resume').click();
  await waitFor(page, (s) => s.status === 'training', 10_000, 'resumed');
  const done = await waitFor(
    page,
    (s) => s.status === 'trained' && !!s.result,
    400_000,
    'training finished and reconstructed',
  );
  const trainTo = await pageNow(page);

  // Losses per epoch: all of them, finite, falling; running losses within epochs too.
  expect(done.losses.map((l) => l.epoch)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
  const first = done.losses[0],
    last = done.losses[EPOCHS - 1];
  console.log(
    `small preset: train loss ${first.train.toExponential(3)} → ${last.train.toExponential(3)}, val ${first.val?.toExponential(3)} → ${last.val?.toExponential(3)}; amplitude SSIM ${done.metrics!.amplitude.ssim.toFixed(3)}; previews ${done.lastRun!.preview.count} (${(100 * done.lastRun!.preview.overhead).toFixed(1)} % of ${done.lastRun!.preview.wallSeconds.toFixed(1)} s)`,
  );
  expect(last.train).toBeLessThan(0.5 * first.train);
  expect(last.val!).toBeLessThan(first.val!);
  expect(done.runningLosses.length).toBeGreaterThan(EPOCHS);
  expect(done.lastRun!.status).toBe('completed');
  expect(done.lastRun!.preview.overhead).toBeLessThanOrEqual(0.15);
  // Shown without another click: the result views and the metrics.
  await expect(page.getByTestId('recon-amplitude')).toBeVisible();
  await expect(page.getByTestId('recon-phase')).toBeVisible();
  await expect(page.getByTestId('metrics')).toContainText(done.metrics!.amplitude.ssim.toFixed(3));
  expect(done.metrics!.amplitude.ssim).toBeGreaterThan(0.25);
  await expect(page.getByTestId('gpu-memory')).toContainText('MB');

  // The reconstruction NPZ: the CLI's arrays, consistent with what the page shows; it matches objectGuess.
  const recon = await download(page, () => page.getByTestId('export-recon').click());
  expect(recon.name).toBe('lines-n32-reconstruction.npz');
  const npz = readNpz(recon.bytes);
  expect(Object.keys(npz).sort()).toEqual([
    'amplitude',
    'metrics',
    'object',
    'origin',
    'phase',
    'phase_alignment',
    'stitch',
    'weights',
  ]);
  const r = done.resultImage!;
  // The groups' phases went through the alignment (specs/reconstruction.md §2); the caption says what it did.
  expect(JSON.parse(npz.phase_alignment.text!)).toEqual(r.phaseAlignment);
  await expect(page.getByTestId('result-caption')).toContainText('group phases');
  expect(npz.object.shape).toEqual([r.height, r.width]);
  expect(npz.object.dtype).toBe('c64');
  expect(Array.from(npz.origin.data as Float64Array)).toEqual(r.origin);
  const o = npz.object.data as Float32Array,
    amp = npz.amplitude.data as Float32Array;
  for (const i of [0, 17, Math.floor(amp.length / 2)])
    expect(amp[i]).toBeCloseTo(Math.hypot(o[2 * i], o[2 * i + 1]), 5);
  expect(JSON.parse(npz.metrics.text!).amplitude.ssim).toBeCloseTo(done.metrics!.amplitude.ssim, 9);
  const rAmp = amplitudeCorrelation(npz as never, done.metrics!.region);
  console.log(`stitched amplitude vs objectGuess: r = ${rAmp.toFixed(3)}`);
  expect(rAmp).toBeGreaterThan(0.4);

  // The Ptychodus product: the same object (one layer), the probe, the positions, the loss history.
  const product = await download(page, () => page.getByTestId('export-product').click());
  expect(product.name).toBe('lines-n32-ptychodus-product.npz');
  const prod = readNpz(product.bytes);
  expect(prod.object.shape).toEqual([1, r.height, r.width]);
  expect(prod.object.dtype).toBe('c64');
  expect(Array.from(prod.object.data as Float32Array)).toEqual(Array.from(o));
  expect(prod.probe.shape).toEqual(example.probeGuess.shape);
  expect(prod.probe_position_x_m.shape).toEqual([example.xcoords.shape[0]]);
  expect(Array.from(prod.loss_values.data as ArrayLike<number>).length).toBe(EPOCHS);

  // The model archive: our format, the run's history and config, every trained parameter.
  const model = await download(page, () => page.getByTestId('export-model').click());
  const archive = readModelArchive(model.bytes, model.name);
  expect(archive.manifest.backend).toBe('webgpu');
  expect(archive.history.map((h) => h.trainLoss)).toEqual(done.losses.map((l) => l.train));
  expect(archive.config.training.nepochs).toBe(EPOCHS);
  let trained = 0;
  for (const [k, w] of archive.weights) if (!k.startsWith('model.forward_model.')) trained += w.data.length;
  expect(trained).toBe(done.model!.parameters);

  // Export for PyTorch: the reference's wts.h5.zip, holding the same weights as the archive.
  const torch = await download(page, () => page.getByTestId('export-torch').click());
  expect(torch.name).toBe('wts.h5.zip');
  expect(Array.from(torch.bytes.subarray(0, 4))).toEqual([0x50, 0x4b, 0x03, 0x04]);
  const members = Object.keys(unzipSync(torch.bytes));
  expect(members).toContain('manifest.dill');
  expect(members).toContain('diffraction_to_obj/model.pth');
  const bundle = readTorchBundle(torch.bytes, torch.name);
  expect([...bundle.stateDict.keys()].sort()).toEqual([...archive.weights.keys()].sort());
  expect(bundle.params.backend).toBe('pytorch');

  // A PNG of a view, at the image's native size.
  const png = await download(page, () =>
    page.getByTestId('recon-amplitude').getByRole('button', { name: 'PNG' }).click(),
  );
  expect(pngSize(png.bytes)).toEqual({ width: r.width, height: r.height });

  // A line profile and the pixel read-out.
  const canvas = page.getByTestId('recon-amplitude').locator('canvas').first();
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await expect(page.getByTestId('pixel-readout')).toContainText(
    /x \d+, y \d+ \(object px\): amplitude [\d.]+, phase -?[\d.]+ rad/,
  );
  await page.keyboard.down('Shift');
  await page.mouse.move(box.x + 20, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width - 20, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await page.keyboard.up('Shift');
  await expect(page.getByTestId('profile-chart')).toBeVisible();
  await page.getByTestId('result').scrollIntoViewIfNeeded();
  await shot(page, 'view-result');

  // The page stayed responsive while training (from the click on Train to the final result shown).
  const tasks = await longTasks(page);
  const during = tasks.filter((t) => t.start >= trainFrom && t.start <= trainTo).map((t) => t.duration);
  console.log(
    `main-thread long tasks: ${during.length} while training, longest ${Math.max(0, ...during).toFixed(0)} ms; whole page life ${tasks.length}, longest ${Math.max(0, ...tasks.map((t) => t.duration)).toFixed(0)} ms`,
  );
  console.log(JSON.stringify(tasks.map((t) => [Math.round(t.start - trainFrom), Math.round(t.duration)])));
  expect(Math.max(0, ...during)).toBeLessThan(200);

  // A fresh page (own storage) opens the exported model and reconstructs the same object without training.
  const ctx2 = await browser.newContext();
  const page2 = await ctx2.newPage();
  const requests2 = recordRequests(page2);
  await page2.goto('/');
  await waitFor(page2, (s) => s.status === 'ready', 60_000, 'fresh page');
  await page2
    .getByTestId('file-input')
    .setInputFiles({ name: model.name, mimeType: 'application/zip', buffer: Buffer.from(model.bytes) });
  const opened = await waitFor(page2, (s) => s.model?.kind === 'native', 30_000, 'model opened');
  expect(opened.model!.parameters).toBe(done.model!.parameters);
  expect(opened.dataset!.fileName).toBe('lines-n32.npz');
  await page2.getByTestId('reconstruct').click();
  const again = await waitFor(
    page2,
    (s) => !!s.result && !!s.metrics && !s.busy,
    120_000,
    'reconstructed in the fresh page',
  );
  expect(again.resultImage).toEqual(done.resultImage);
  expect(again.metrics!.amplitude.ssim).toBeCloseTo(done.metrics!.amplitude.ssim, 6);
  expect(again.metrics!.phase.ssim).toBeCloseTo(done.metrics!.phase.ssim, 6);
  await ctx2.close();

  // Nothing left the page's origin.
  const outside = [...requests, ...requests2].filter(
    (u) => !u.startsWith(baseURL!) && !u.startsWith('data:') && !u.startsWith('blob:'),
  );
  expect(outside).toEqual([]);
});
