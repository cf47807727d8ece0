// Browser test of the iterative solver in the page (specs/app.md "Solve and Refine"): a few iterations on the bundled
// example from a flat object reach objectGuess's amplitude; then a quickly trained model is refined, and the result
// view keeps both results side by side.
import { expect, test } from '@playwright/test';
import { shot, state, waitFor } from './helpers';

/** Iterations of the flat-start solve: enough for the example (N 32, 256 patterns) at ~0.25 s each on SwiftShader. */
const ITERATIONS = 5;
/** A one-epoch model on a tiny budget: only its existence matters to Refine. */
const QUICK = { nepochs: 1, n_groups: 16, batch_size: 8, model: { n_filters_scale: 0.25, cbam_encoder: false } };

test('Solve (iterative) on the example: the error falls, the result is the solver’s and matches objectGuess', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await waitFor(page, (s) => s.status === 'ready', 60_000, 'example loaded');
  await expect(page.getByTestId('refine-start')).toBeDisabled(); // no model yet
  await page.getByTestId('solve-iterations').fill(String(ITERATIONS));
  await page.getByTestId('solve-start').click();
  const done = await waitFor(page, (s) => s.result === 'solver' && s.status === 'ready', 150_000, 'solver result');
  expect(done.solver!.iteration).toBe(ITERATIONS);
  expect(done.resultImage!.stitch).toBe('solver');
  expect(done.metrics!.amplitude.r).toBeGreaterThanOrEqual(0.9);
  await expect(page.getByTestId('metric-amp-r')).toHaveText(done.metrics!.amplitude.r!.toFixed(3));
  await expect(page.getByTestId('result-made-by')).toContainText(`iterative solver, ${ITERATIONS} iterations in`);
  await expect(page.getByTestId('solver-chart')).toBeVisible();
  await expect(page.getByTestId('live-amplitude')).toBeVisible();
  // The error fell, iteration by iteration as the solver's monitor recorded it.
  const errors = done.solver!.errors;
  expect(errors).toHaveLength(ITERATIONS);
  expect(errors[ITERATIONS - 1]).toBeLessThan(errors[0]);
  expect(done.solver!.error).toBe(errors[ITERATIONS - 1]);
  await page.getByTestId('result').scrollIntoViewIfNeeded();
  await shot(page, 'solve-result');
});

test('Refine: the solver starts from a model’s object; the network’s and the refined result sit side by side', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.goto(`/#config=${encodeURIComponent(JSON.stringify(QUICK))}`);
  await waitFor(page, (s) => s.status === 'ready' && s.config.nepochs === 1, 60_000, 'link settings');
  await page.getByTestId('train-start').click();
  await waitFor(page, (s) => s.status === 'trained' && s.result === 'network', 180_000, 'one-epoch model');
  await expect(page.getByTestId('refine-start')).toBeEnabled();
  await page.getByTestId('solve-iterations').fill('3');
  await page.getByTestId('refine-start').click();
  const done = await waitFor(page, (s) => s.result === 'refined' && !s.busy, 120_000, 'refined result');
  expect(done.status).toBe('trained');
  expect(done.solver!.iteration).toBe(3);
  expect(done.metrics).not.toBeNull();
  expect(done.metrics!.amplitude.ssim).toBeGreaterThan(0);
  await expect(page.getByTestId('result-made-by')).toContainText("iterative solver from the network's object");
  // Both kept: the comparison has a row each, and the selector shows the network's again.
  await expect(page.getByTestId('compare-network')).toBeVisible();
  await expect(page.getByTestId('compare-refined')).toBeVisible();
  await page.getByTestId('result-select').selectOption('network');
  const back = await state(page);
  expect(back.result).toBe('network');
  expect(back.resultImage!.stitch).toBe('barycentric');
  await shot(page, 'refine-compare');
});
