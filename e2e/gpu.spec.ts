// The GPU kernels run in Chromium's WebGPU (Tint + SwiftShader here) against the same float64 references as the
// Node tests (src/gpu/selftest.ts).
import { expect, test } from '@playwright/test';

test('WGSL kernels in the browser match the float64 references (FFT, conv2d + adjoints, merge/extract)', async ({
  page,
}) => {
  await page.goto('/selftest.html');
  const r = await page.evaluate(() =>
    (
      window as unknown as { ptychopinnSelfTest: typeof import('../src/gpu/selftest').runSelfTest }
    ).ptychopinnSelfTest(),
  );
  console.log(
    `browser GPU self-test on ${r.adapter}: fft ${r.fftRelErr.toExponential(2)}, conv ${r.convRelErr.toExponential(2)}, conv grads ${r.convGradRelErr.toExponential(2)}, merge ${r.mergeRoundTripErr.toExponential(2)}`,
  );
  expect(r.fftRelErr).toBeLessThan(1e-5);
  expect(r.convRelErr).toBeLessThan(1e-5);
  expect(r.convGradRelErr).toBeLessThan(1e-5);
  expect(r.mergeRoundTripErr).toBeLessThan(1e-5);
});
