// Shared by the browser tests: the state the page exposes (window.__ptychopinn, src/ui/store.ts exposeState) and
// polling it, downloads, long tasks, the requests a page makes, PNG sizes and screenshots.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import type { TrainingConfig } from '../src/config/fieldTable';
import { presetOf, type PresetName } from '../src/config/presets';

/** What window.__ptychopinn exposes (src/ui/store.ts exposeState). */
export interface Exposed {
  status: string;
  busy: string | null;
  dataset: { nPatterns: number; N: number; fileName: string; hasObjectGuess: boolean; objectShape?: number[] } | null;
  error: { message: string; hint: string } | null;
  gpu: { available: boolean; isFallbackAdapter: boolean; description: string; memory?: { inUseBytes: number } } | null;
  config: {
    nepochs: number;
    batch_size: number;
    n_groups: number;
    learning_rate: number;
    seed: number;
    nphotons: number;
    model: {
      N: number;
      gridsize: number;
      n_filters_scale: number;
      cbam_encoder: boolean;
      architecture: string;
      fno_width: number;
      fno_blocks: number;
      fno_modes: number;
      fno_cnn_blocks: number;
    };
  };
  model: { kind: string; source: string; N: number; parameters: number } | null;
  epoch: number;
  step: number;
  losses: { epoch: number; train: number; val: number | null; lr: number }[];
  runningLosses: { epoch: number; train: number }[];
  metrics: {
    amplitude: { r: number | null; ssim: number; psnr: number; frcResolutionPx: number | null };
    phase: { r: number | null; ssim: number; psnr: number };
    collapsed: boolean;
    region: { x0: number; y0: number; width: number; height: number };
  } | null;
  checkpoint: { epoch: number; epochs: number; dataset: string } | null;
  /** The collapse detector's verdict on the run (1-based epoch), or null. */
  collapse: { epoch: number; contrast: number } | null;
  recovery: string | null;
  previews: number;
  previewOverhead: number | null;
  lastRun: {
    status: string;
    epochs: number;
    error: string | null;
    preview: { count: number; seconds: number; wallSeconds: number; overhead: number };
  } | null;
  /** Which reconstruction the page shows, or null. */
  result: 'network' | 'solver' | 'refined' | null;
  /** The solver's latest iteration (1-based) and its error, and the error of every iteration; null before any. */
  solver: { iteration: number; error: number; errors: number[] } | null;
  resultImage: {
    width: number;
    height: number;
    origin: [number, number];
    stitch: string;
    patches: number;
    phaseAlignment: { groups: number; rmsCorrection: number; kept: number; misfit: number[] } | null;
  } | null;
}

export const state = (page: Page) => page.evaluate(() => (window as unknown as { __ptychopinn: Exposed }).__ptychopinn);

/** Poll the exposed state until `pred` holds; an error banner fails fast unless `allowError`. */
export async function waitFor(
  page: Page,
  pred: (s: Exposed) => boolean,
  timeoutMs = 300_000,
  what = 'state',
  allowError = false,
): Promise<Exposed> {
  const t0 = Date.now();
  for (;;) {
    const s = await state(page);
    if (pred(s)) return s;
    if (!allowError && s.error && s.status !== 'training' && s.status !== 'solving' && s.status !== 'paused')
      throw new Error(`${what}: error banner "${s.error.message}"`);
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`${what}: timed out; status ${s.status}, epoch ${s.epoch}, busy ${s.busy}`);
    await page.waitForTimeout(250);
  }
}

/** Click a control that downloads a file; returns the file's bytes and suggested name. */
export async function download(page: Page, click: () => Promise<void>): Promise<{ bytes: Uint8Array; name: string }> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = await d.path();
  return { bytes: new Uint8Array(readFileSync(path!)), name: d.suggestedFilename() };
}

/** Records main-thread long tasks (> 50 ms) from page start, in window.__longTasks as {start, duration} (ms). */
export async function observeLongTasks(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __longTasks: { start: number; duration: number }[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
}

export const longTasks = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as { __longTasks: { start: number; duration: number }[] }).__longTasks.slice(),
  );

/** The page's performance.now(), to bound a window of long tasks. */
export const pageNow = (page: Page) => page.evaluate(() => performance.now());

/** Every request the page makes, to check that nothing leaves its origin. */
export function recordRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  return urls;
}

export { pearson } from '../src/pipeline/metrics';

/** Width and height from a PNG's IHDR chunk (and that it is a PNG at all). */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (!sig.every((v, i) => bytes[i] === v)) throw new Error('not a PNG');
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

export const shot = (page: Page, name: string) => page.screenshot({ path: `test-results/${name}.png`, fullPage: true });

/** The preset the page's settings follow (src/config/presets.ts), or null when edited. */
export const presetIn = (s: Exposed): PresetName | null => presetOf(s.config as unknown as TrainingConfig);

/** Choose a preset in the always-visible preset select and wait until the page's settings follow it. */
export async function choosePreset(page: Page, name: PresetName): Promise<Exposed> {
  await page.getByTestId('preset-select').selectOption(name);
  return waitFor(page, (s) => presetIn(s) === name, 10_000, `${name} preset`);
}
