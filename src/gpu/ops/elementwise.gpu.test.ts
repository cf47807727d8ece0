/** Tests of the elementwise and reduction ops (elementwise.ts, reduce.ts) vs float64 CPU values. */
import { describe, expect, it } from 'vitest';
import { Tape } from '../tape';
import { checkGradients, compare, getTestGpu, randomArray } from '../../testing/gpu';
import { add, mul, scale, sub } from './elementwise';
import { mean, sum } from './reduce';

describe('elementwise + reduce (GPU vs float64 CPU)', () => {
  it('add/sub/mul/scale match the CPU to float32 round-off', async () => {
    const gpu = await getTestGpu();
    const n = 1000;
    const a = randomArray(n, 1);
    const b = randomArray(n, 2);
    const out = await gpu.tidyAsync(async () => {
      const ta = gpu.tensor([n], 'f32', a);
      const tb = gpu.tensor([n], 'f32', b);
      return Promise.all(
        [add(gpu, ta, tb), sub(gpu, ta, tb), mul(gpu, ta, tb), scale(gpu, ta, 3, 0.5)].map((t) => gpu.read(t)),
      );
    });
    const ref = [
      Array.from(a, (v, i) => v + b[i]),
      Array.from(a, (v, i) => v - b[i]),
      Array.from(a, (v, i) => v * b[i]),
      Array.from(a, (v) => 3 * v + 0.5),
    ];
    out.forEach((o, k) => expect(compare(o, ref[k], { atol: 1e-6, rtol: 1e-6 }, `op ${k}`)).toBe(''));
  });

  it('sum/mean of 100 003 floats (multi-pass tree) within 1e-6 relative of the float64 sum', async () => {
    const gpu = await getTestGpu();
    const n = 100_003;
    const a = randomArray(n, 3, 0, 1);
    let ref = 0;
    for (const v of a) ref += v;
    const [s, m] = await gpu.tidyAsync(async () => {
      const t = gpu.tensor([n], 'f32', a);
      return Promise.all([gpu.read(sum(gpu, t)), gpu.read(mean(gpu, t))]);
    });
    expect(Math.abs(s[0] - ref) / ref).toBeLessThan(1e-6);
    expect(Math.abs(m[0] - ref / n) / (ref / n)).toBeLessThan(1e-6);
  });

  it('tape gradients of mean(a·b + a) equal finite differences', async () => {
    const gpu = await getTestGpu();
    const shape = [3, 5];
    const res = await checkGradients(
      gpu,
      ([a, b]) => mean(gpu, add(gpu, mul(gpu, a, b), a)),
      [
        { shape, data: randomArray(15, 4) },
        { shape, data: randomArray(15, 5) },
      ],
      { samples: 6, atol: 1e-4, rtol: 1e-3 },
    );
    expect(res.worstRatio, res.message).toBeLessThanOrEqual(1);
  });

  it('accumulates gradients when a tensor feeds two ops (d/da Σ(a+a) = 2)', async () => {
    const gpu = await getTestGpu();
    const g = await gpu.tidyAsync(async () => {
      const a = gpu.tensor([4], 'f32', [1, 2, 3, 4]);
      a.requiresGrad = true;
      const tape = new Tape(gpu);
      const l = tape.run(() => sum(gpu, add(gpu, a, a)));
      return gpu.read(tape.gradients(l, [a])[0]);
    });
    expect(Array.from(g)).toEqual([2, 2, 2, 2]);
  });

  it('tidy returns every intermediate to the pool: no growth across 100 steps', async () => {
    const gpu = await getTestGpu();
    const a = gpu.keep(gpu.tensor([64], 'f32', randomArray(64, 6)));
    a.requiresGrad = true;
    const step = () =>
      gpu.tidy(() => {
        const tape = new Tape(gpu);
        const l = tape.run(() => mean(gpu, mul(gpu, add(gpu, a, a), a)));
        tape.gradients(l, [a]);
      });
    step();
    await gpu.sync();
    const before = gpu.memory();
    for (let i = 0; i < 100; i++) step();
    await gpu.sync();
    const after = gpu.memory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.allocatedBytes).toBe(before.allocatedBytes);
    a.dispose();
  });
});

describe('scaleShift (trainable intensity scale α·x + β)', () => {
  it('value and gradients to x, α, β equal finite differences', async () => {
    const gpu = await getTestGpu();
    const { scaleShift } = await import('./elementwise');
    const res = await checkGradients(
      gpu,
      ([x, a, b]) => scaleShift(gpu, x, a, b),
      [
        { shape: [2, 5], data: randomArray(10, 51) },
        { shape: [1], data: new Float32Array([1.3]) },
        { shape: [1], data: new Float32Array([-0.4]) },
      ],
      { samples: 6, atol: 1e-4, rtol: 1e-3 },
    );
    expect(res.worstRatio, res.message).toBeLessThanOrEqual(1);
  });
});

describe('scaleByScalar (trainable scalar gate s·x)', () => {
  it('value and gradients (g·s to x, Σ g·x to s) vs float64, and finite differences', async () => {
    const gpu = await getTestGpu();
    const { scaleByScalar } = await import('./elementwise');
    const n = 3000; // Σ g·x over several reduction workgroups
    const x = randomArray(n, 61);
    const g = randomArray(n, 62);
    const s = 0.37;
    const [y, gx, gs] = await gpu.tidyAsync(async () => {
      const tx = gpu.tensor([3, n / 3], 'f32', x);
      const ts = gpu.tensor([1], 'f32', [s]);
      tx.requiresGrad = ts.requiresGrad = true;
      const tape = new Tape(gpu);
      const out = tape.run(() => scaleByScalar(gpu, tx, ts));
      const grads = tape.gradients(out, [tx, ts], gpu.tensor([3, n / 3], 'f32', g));
      return Promise.all([out, ...grads].map((t) => gpu.read(t)));
    });
    const sf = Math.fround(s);
    expect(
      compare(
        y,
        Array.from(x, (v) => sf * v),
        { rtol: 1e-7 },
        'y',
      ),
    ).toBe('');
    expect(
      compare(
        gx,
        Array.from(g, (v) => sf * v),
        { rtol: 1e-7 },
        'gx',
      ),
    ).toBe('');
    const gsRef = x.reduce((acc, v, i) => acc + v * g[i], 0);
    expect(Math.abs(gs[0] - gsRef)).toBeLessThan(1e-5 * Math.sqrt(n));
    const res = await checkGradients(
      gpu,
      ([a, b]) => scaleByScalar(gpu, a, b),
      [
        { shape: [2, 5], data: randomArray(10, 63) },
        { shape: [1], data: new Float32Array([0.1]) },
      ],
      { samples: 6, atol: 1e-4, rtol: 1e-3 },
    );
    expect(res.worstRatio, res.message).toBeLessThanOrEqual(1);
  });
});
