/** The GPU self-test page (selftest.html): a diagnostic for users and the browser kernel test (e2e/gpu.spec.ts). */
import { runSelfTest } from './selftest';

Object.defineProperty(window, 'ptychopinnSelfTest', { value: runSelfTest });
const out = document.getElementById('out')!;
document.getElementById('run')!.addEventListener('click', () => {
  out.textContent = 'running…';
  runSelfTest().then(
    (r) => (out.textContent = JSON.stringify(r, null, 2)),
    (e: unknown) => (out.textContent = `failed: ${(e as Error).message ?? String(e)}`),
  );
});
