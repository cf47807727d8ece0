// `ptychopinn serve` started by the test: the page's engine in Node (Dawn on SwiftShader here) behind a WebSocket,
// serving dist/ (built by the playwright webServer). Two pages share its one job.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { readModelArchive } from '../src/pipeline/archive/modelArchive';
import { choosePreset, download, shot, state, waitFor } from './helpers';

test.describe.configure({ mode: 'serial' });

let server: ChildProcess | null = null;
let dataDir = '';
let url = '';
let serverLog = '';

function stopServer(): void {
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGKILL'); // one Node process (tsx runs in it): nothing else to take down
  }
}
// Even if the worker exits without running afterAll, no server is left behind (not detached: a Ctrl-C reaches it too).
process.on('exit', stopServer);

test.beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ptychopinn-serve-e2e-'));
  server = spawn(
    process.execPath,
    // The app of the preview server (playwright.config.ts, another origin) may connect too: "Connect to engine…".
    [
      'bin/ptychopinn.mjs',
      'serve',
      '--port',
      '0',
      '--app-dir',
      'dist',
      '--data-dir',
      dataDir,
      '--allow-origin',
      'http://127.0.0.1:4317',
    ],
    {
      env: { ...process.env, VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stderr!.on('data', (d: Buffer) => (serverLog += d.toString()));
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`no URL from ptychopinn serve within 60 s; stderr:\n${serverLog}`)),
      60_000,
    );
    server!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^open (http:\/\/127\.0\.0\.1:\d+\/#engine=ws:\/\/127\.0\.0\.1:\d+\/engine&token=[0-9a-f]+)$/m.exec(
        out,
      );
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server!.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ptychopinn serve exited (${code}) before printing its URL; stderr:\n${serverLog}`));
    });
  });
});

test.afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise<void>((r) => server!.once('exit', () => r()));
    server.kill('SIGTERM'); // closes cleanly (serve.ts), stopping a run in progress
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
  stopServer();
  server = null;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const port = () => new URL(url).port;
/** The server's patterns/s in the two-page test, compared with this browser's own engine in the last test. */
let serverRate: number | null = null;

test('a wrong token is refused: the status line says so and no dataset is shown', async ({ page }) => {
  const bad = url.replace(
    /token=([0-9a-f]+)/,
    (_, t: string) => `token=${t.slice(0, -4)}${t.endsWith('0000') ? '1111' : '0000'}`,
  );
  expect(bad).not.toBe(url);
  await page.goto(bad);
  await expect(page.getByTestId('gpu-status')).toContainText('refused');
  await expect(page.getByTestId('gpu-status')).toContainText('token');
  await page.waitForTimeout(1500); // time for an example load, were one to happen
  const s = await state(page);
  expect(s.dataset).toBeNull();
  expect(s.gpu).toBeNull();
  // Nothing left waiting for an engine that will never answer: the refusal is on screen, no busy line.
  expect(s.busy).toBeNull();
  expect(s.status).not.toBe('loading');
  await expect(page.getByTestId('error-banner')).toContainText('refused the token');
  await expect(page.getByTestId('dataset-summary')).toHaveCount(0);
  await expect(page.getByTestId('engine-control')).toHaveCount(0);
});

/** patterns/s from the progress line ("epoch 2/3 · step 5/10 · 123 patterns/s · ETA …"), or null. */
async function throughput(page: Page): Promise<number | null> {
  const text = (await page.getByTestId('train-progress').textContent()) ?? '';
  const m = /([\d.]+) patterns\/s/.exec(text);
  return m ? Number(m[1]) : null;
}

test("two pages share the server's job: a watcher sees the run, takes control when the controller leaves, gets the result and exports the model", async ({
  browser,
}) => {
  test.setTimeout(150_000);
  const t0 = Date.now();
  const ctx = await browser.newContext({ acceptDownloads: true });
  try {
    // Page A: connects, controls the job, loads the example onto the server, trains a small model.
    const a = await ctx.newPage();
    await a.goto(url);
    await expect(a.getByTestId('gpu-status')).toContainText(`Compute: engine server 127.0.0.1:${port()} — `);
    await expect(a.getByTestId('engine-control')).toContainText('this page controls the job');
    expect(a.url()).not.toContain('token='); // taken out of the address bar at once
    await expect(a.getByTestId('data-location')).toContainText(`engine server 127.0.0.1:${port()}`);
    await waitFor(a, (s) => s.status === 'ready' && !!s.dataset, 60_000, 'A: example loaded on the server');
    await expect(a.getByTestId('dataset-summary')).toBeVisible();
    expect((await state(a)).dataset!.fileName).toBe('lines-n32.npz');
    await choosePreset(a, 'small');
    await a.locator('#cfg-nepochs').fill('3');
    await waitFor(a, (s) => s.config.nepochs === 3, 10_000, 'A: nepochs 3');
    await a.getByTestId('train-start').click();
    await waitFor(a, (s) => s.status === 'training' && s.step >= 1, 60_000, 'A: training');

    // Page B joins: it watches, and shows the run in progress (status, config, epochs as they end).
    const b = await ctx.newPage();
    await b.goto(url);
    await expect(b.getByTestId('engine-control')).toContainText('watching: another page controls the job');
    await expect(a.getByTestId('engine-control')).toContainText('this page controls the job (2 pages)');
    const joined = await waitFor(b, (s) => s.status === 'training' && !!s.dataset, 30_000, 'B: sees the run');
    expect(joined.dataset!.fileName).toBe('lines-n32.npz');
    expect(joined.config.nepochs).toBe(3);
    await expect(b.getByTestId('train-start')).toBeDisabled();
    const firstEpoch = await waitFor(b, (s) => s.losses.length >= 1, 90_000, 'B: an epoch ends');
    expect(firstEpoch.status).toBe('training');
    await expect(b.getByTestId('loss-chart')).toBeVisible(); // uPlot (canvas): the points are in s.losses
    let rate = await throughput(b);
    await shot(b, 'server-watcher-training');

    // A leaves mid-run: B takes control, the run goes on and ends in B with the result.
    const sA = await state(a);
    expect(sA.status).toBe('training');
    await a.close();
    await expect(b.getByTestId('engine-control')).toContainText('this page controls the job');
    await expect(b.getByTestId('engine-control')).not.toContainText('pages');
    // B is killed and comes back (a reload: the tab keeps the server and token): it finds the job and its history.
    const before = (await state(b)).losses.length;
    await b.reload();
    expect(b.url()).not.toContain('token=');
    await expect(b.getByTestId('gpu-status')).toContainText(`Compute: engine server 127.0.0.1:${port()} — `);
    const back = await waitFor(
      b,
      (s) => !!s.dataset && (s.status === 'training' || s.status === 'trained'),
      30_000,
      'B: back after a reload',
    );
    expect(back.losses.length).toBeGreaterThanOrEqual(before);
    expect(back.dataset!.fileName).toBe('lines-n32.npz');
    for (;;) {
      const s = await state(b);
      if (s.status !== 'training' && s.status !== 'paused') break;
      rate = (await throughput(b)) ?? rate;
      await b.waitForTimeout(250);
    }
    const done = await waitFor(
      b,
      (s) => s.status === 'trained' && !!s.result,
      60_000,
      'B: training finished and reconstructed',
    );
    expect(done.lastRun!.status).toBe('completed');
    expect(done.losses.map((l) => l.epoch)).toEqual([1, 2, 3]);
    await expect(b.getByTestId('result')).toBeVisible();
    await expect(b.getByTestId('recon-amplitude')).toBeVisible();

    // B exports the trained model: a zip with our manifest.
    const model = await download(b, () => b.getByTestId('export-model').click());
    expect(Array.from(model.bytes.subarray(0, 4))).toEqual([0x50, 0x4b, 0x03, 0x04]);
    expect(Object.keys(unzipSync(model.bytes))).toContain('manifest.json');
    const archive = readModelArchive(model.bytes, model.name);
    expect(archive.history.map((h) => h.trainLoss)).toEqual(done.losses.map((l) => l.train));
    expect(archive.config.training.nepochs).toBe(3);

    console.log(
      `engine server (Node, ${done.gpu?.description ?? '?'}): small preset, 3 epochs: ${rate ?? '?'} patterns/s (B's progress line); train loss ${done.losses[0].train.toExponential(3)} → ${done.losses[2].train.toExponential(3)}; whole test ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    expect(rate).not.toBeNull();
    expect(rate!).toBeGreaterThan(0);
    serverRate = rate;
  } finally {
    await ctx.close();
  }
});

test("the same preset in this browser's own engine (a Web Worker on the browser's WebGPU), for comparison", async ({
  page,
}) => {
  test.setTimeout(150_000);
  await page.goto('/#example=lines-n32');
  await expect(page.getByTestId('gpu-status')).toContainText("Compute: this browser's WebGPU");
  await waitFor(page, (s) => s.status === 'ready' && !!s.dataset, 60_000, 'example loaded in the page');
  await choosePreset(page, 'small');
  await page.locator('#cfg-nepochs').fill('3');
  await waitFor(page, (s) => s.config.nepochs === 3, 10_000, 'nepochs 3');
  await page.getByTestId('train-start').click();
  await waitFor(page, (s) => s.status === 'training' && s.step >= 1, 60_000, 'training');
  let rate: number | null = null;
  for (;;) {
    const s = await state(page);
    if (s.status !== 'training' && s.status !== 'paused') break;
    rate = (await throughput(page)) ?? rate;
    await page.waitForTimeout(250);
  }
  const done = await waitFor(page, (s) => s.status === 'trained', 60_000, 'training finished');
  expect(done.lastRun!.status).toBe('completed');
  console.log(
    `same preset (small, 3 epochs, lines-n32), one run: this browser (${done.gpu?.description ?? '?'}) ${rate ?? '?'} patterns/s; engine server ${serverRate ?? '?'} patterns/s`,
  );
  expect(rate).not.toBeNull();
});

test('on a software adapter the status line offers the engine server; "Connect to engine…" with the printed URL switches the tab to it', async ({
  page,
}) => {
  await page.goto('/#example=none');
  await expect(page.getByTestId('gpu-status')).toContainText('software adapter');
  await page.getByTestId('offer-local').click();
  await expect(page.getByTestId('local-help')).toContainText('npx ptychopinn serve');
  await page.getByTestId('offer-connect').click();
  await page.getByLabel('engine URL').fill('http://127.0.0.1:1/#nothing');
  await page.getByTestId('connect-engine').click();
  await expect(page.getByTestId('connect-form')).toContainText('paste the whole URL');
  await page.getByLabel('engine URL').fill(url);
  await page.getByTestId('connect-engine').click();
  // The tab reloads onto the server and joins its job (the model trained by the two-page test).
  await expect(page.getByTestId('gpu-status')).toContainText(`Compute: engine server 127.0.0.1:${port()} — `);
  const joined = await waitFor(page, (s) => !!s.dataset && s.status === 'trained', 30_000, 'joined the server job');
  expect(joined.dataset!.fileName).toBe('lines-n32.npz');
  await expect(page.getByTestId('data-location')).toContainText('engine server');
});
