/** Tests of the pointwise activations (activation.ts) and their derivatives vs float64 references. */
import { describe, expect, it } from 'vitest';
import { checkGradients, compare, getTestGpu, randomArray } from '../../testing/gpu';
import { activation, type Activation } from './activation';
import { erfRef, geluGradRef, geluRef } from './layers.ref';

const ref: Record<Activation, [(x: number) => number, (x: number) => number]> = {
  relu: [(x) => Math.max(x, 0), (x) => (x > 0 ? 1 : 0)],
  sigmoid: [
    (x) => 1 / (1 + Math.exp(-x)),
    (x) => {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 - s);
    },
  ],
  silu: [
    (x) => x / (1 + Math.exp(-x)),
    (x) => {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 + x * (1 - s));
    },
  ],
  softplus: [(x) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0), (x) => 1 / (1 + Math.exp(-x))],
  tanh: [Math.tanh, (x) => 1 - Math.tanh(x) ** 2],
  piTanh: [(x) => Math.PI * Math.tanh(x), (x) => Math.PI * (1 - Math.tanh(x) ** 2)],
  gelu: [geluRef, geluGradRef],
  sqrtClamped: [(x) => Math.sqrt(Math.max(x, 0)), (x) => (x > 0 ? 0.5 / Math.sqrt(x) : 0)],
  log1pClamped: [(x) => Math.log1p(Math.max(x, 0)), (x) => (x >= 0 ? 1 / (1 + x) : 0)],
};

describe('activations (GPU) vs float64', () => {
  // Inputs span the tails, the small-|x| range where naive float32 formulas lose digits and log1p's branch points.
  const xs = new Float32Array([
    ...randomArray(400, 1, -12, 12),
    ...randomArray(200, 2, -0.6, 0.6),
    1e-4,
    -1e-4,
    0.55,
    -0.55,
    9.2,
    -9.2,
    30,
    -30,
    88,
    -88,
    0.4142,
    0.4143,
    1e-7,
    3.7,
    1e6,
  ]);
  for (const kind of Object.keys(ref) as Activation[]) {
    it(`${kind}: forward within 2e-6 relative (+1e-7 abs), backward vs the analytic derivative and finite differences`, async () => {
      const gpu = await getTestGpu();
      const [f, df] = ref[kind];
      const { y, g } = await gpu.tidyAsync(async () => {
        const t = gpu.tensor([xs.length], 'f32', xs);
        t.requiresGrad = true;
        const { Tape } = await import('../tape');
        const tape = new Tape(gpu);
        const out = tape.run(() => activation(gpu, t, kind));
        const ones = gpu.tensor([xs.length], 'f32', new Float32Array(xs.length).fill(1));
        const [gx] = tape.gradients(out, [t], ones);
        return { y: await gpu.read(out), g: await gpu.read(gx) };
      });
      expect(compare(y, Array.from(xs, f), { atol: 1e-7, rtol: 2e-6 }, `${kind} forward`)).toBe('');
      expect(compare(g, Array.from(xs, df), { atol: 1e-7, rtol: 4e-6 }, `${kind} derivative`)).toBe('');
      const away = randomArray(8, 3, 0.2, 2); // away from relu's kink
      const res = await checkGradients(gpu, ([x]) => activation(gpu, x, kind), [{ shape: [8], data: away }], {
        eps: 1e-3,
        atol: 1e-3,
        rtol: 1e-3,
      });
      expect(res.worstRatio, res.message).toBeLessThanOrEqual(1);
    });
  }
});

/** One activation's forward and g = 1 derivative on the GPU. */
async function runActivation(kind: Activation, xs: Float32Array): Promise<{ y: Float32Array; g: Float32Array }> {
  const gpu = await getTestGpu();
  return gpu.tidyAsync(async () => {
    const t = gpu.tensor([xs.length], 'f32', xs);
    t.requiresGrad = true;
    const { Tape } = await import('../tape');
    const tape = new Tape(gpu);
    const out = tape.run(() => activation(gpu, t, kind));
    const [gx] = tape.gradients(out, [t], gpu.tensor([xs.length], 'f32', new Float32Array(xs.length).fill(1)));
    return { y: await gpu.read(out), g: await gpu.read(gx) };
  });
}

describe('gelu (exact, erf-based) in detail', () => {
  it('the float64 reference: erf at known values, derivative = central differences of geluRef', () => {
    // erf(0.5), erf(1), erf(2), erf(-3.5) (mpmath, 17 digits)
    const known: [number, number][] = [
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [-3.5, -0.9999992569016276],
    ];
    for (const [x, v] of known) expect(Math.abs(erfRef(x) - v)).toBeLessThan(1e-15);
    const h = 1e-5;
    for (let x = -9; x <= 9; x += 0.37) {
      const fd = (geluRef(x + h) - geluRef(x - h)) / (2 * h);
      expect(Math.abs(fd - geluGradRef(x))).toBeLessThan(1e-9);
    }
  });

  it('dense sweep of [−10, 10]: forward within 1e-6 relative (3.9e-7 on SwiftShader), derivative within 1e-6 relative + 1e-7 abs (Φ + xφ cancels near x ≈ −0.75)', async () => {
    const n = 20001;
    const xs = Float32Array.from({ length: n }, (_, i) => -10 + (20 * i) / (n - 1));
    const { y, g } = await runActivation('gelu', xs);
    let worstY = 0;
    for (let i = 0; i < n; i++) {
      const e = geluRef(xs[i]);
      if (e !== 0) worstY = Math.max(worstY, Math.abs(y[i] - e) / Math.abs(e));
    }
    expect(worstY).toBeLessThan(1e-6);
    expect(compare(g, Array.from(xs, geluGradRef), { atol: 1e-7, rtol: 1e-6 }, 'gelu derivative')).toBe('');
  });
});

describe("log1pClamped (the spectral generators' log1p input transform) in detail", () => {
  it('relative accuracy over 1e-9 … 1e9, where log(1 + x) in float32 loses every digit below ~1e-7: within 1e-6 relative, no absolute slack', async () => {
    const xs = Float32Array.from({ length: 1801 }, (_, i) => 10 ** (-9 + i / 100));
    const { y } = await runActivation('log1pClamped', xs);
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      const e = Math.log1p(xs[i]);
      worst = Math.max(worst, Math.abs(y[i] - e) / e);
    }
    expect(worst).toBeLessThan(1e-6);
  });
});
