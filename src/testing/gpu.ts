/**
 * Test helpers for GPU kernels (used only by *.gpu.test.ts): one shared device per test process, numeric
 * comparison with located error messages, and a finite-difference gradient checker.
 */
import { afterAll, beforeAll } from 'vitest';
import { Gpu, type KernelVariants } from '../gpu/runtime';
import { Tape } from '../gpu/tape';
import type { Tensor, TensorDType } from '../gpu/tensor';
import { Rng } from '../numerics/random';

let shared: Promise<Gpu> | null = null;

/** One Gpu per test process (creating Dawn devices repeatedly is slow on SwiftShader). */
export function getTestGpu(): Promise<Gpu> {
  if (!shared) shared = Gpu.create();
  return shared;
}

/** Run the enclosing describe block with `gpu.variants[kind] = variant`, restoring the previous variant after it. */
export function withVariant<K extends keyof KernelVariants>(kind: K, variant: KernelVariants[K]): void {
  let saved: KernelVariants[K] | undefined;
  beforeAll(async () => {
    const gpu = await getTestGpu();
    saved = gpu.variants[kind];
    gpu.variants[kind] = variant;
  });
  afterAll(async () => {
    if (saved !== undefined) (await getTestGpu()).variants[kind] = saved;
  });
}

/** max |a[i]| (0 for an empty array). */
export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export interface Tolerance {
  atol?: number;
  rtol?: number;
}

/**
 * Max-error comparison: passes when |a − e| ≤ atol + rtol·|e| everywhere. Returns the worst offender's
 * description (empty string when all pass) so tests can `expect(compare(...)).toBe('')` with a useful message.
 */
export function compare(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what = ''): string {
  const atol = tol.atol ?? 0;
  const rtol = tol.rtol ?? 0;
  if (actual.length !== expected.length) return `${what}: length ${actual.length} ≠ ${expected.length}`;
  let worst = -1;
  let worstExcess = 0;
  let maxAbs = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const err = Math.abs(a - e);
    if (!(err <= atol + rtol * Math.abs(e))) {
      const excess = Number.isNaN(err) ? Infinity : err - (atol + rtol * Math.abs(e));
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
    if (err > maxAbs) maxAbs = err;
  }
  if (worst < 0) return '';
  return `${what}: index ${worst}: got ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol}; max abs err ${maxAbs})`;
}

/** Relative L2 error ‖a − e‖ / ‖e‖ in float64. */
export function relL2(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = actual[i] - expected[i];
    num += d * d;
    den += expected[i] * expected[i];
  }
  return Math.sqrt(num / (den || 1));
}

export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = new Rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.range(lo, hi);
  return a;
}

export interface GradInput {
  shape: number[];
  dtype?: TensorDType;
  data: Float32Array;
}

export interface GradCheckResult {
  /** Per input: the sampled float indices, analytic and numeric derivatives. */
  checks: { input: number; index: number; analytic: number; numeric: number }[];
  /** Worst |analytic − numeric| / (atol + rtol·|numeric|); ≤ 1 means pass. */
  worstRatio: number;
  message: string;
}

/**
 * Central finite differences of L = Σ w·forward(x) (w random, fixed) against the tape's gradient.
 * The numeric derivative is formed in float64 from float32 GPU outputs; `eps` trades truncation for
 * round-off (1e-2…1e-3 suits O(1) inputs). Samples `samples` float indices per input.
 */
export async function checkGradients(
  gpu: Gpu,
  forward: (xs: Tensor[]) => Tensor,
  inputs: GradInput[],
  opts: { eps?: number; samples?: number; atol?: number; rtol?: number; seed?: number; indices?: number[][] } = {},
): Promise<GradCheckResult> {
  const eps = opts.eps ?? 1e-2;
  const samples = opts.samples ?? 12;
  const atol = opts.atol ?? 1e-3;
  const rtol = opts.rtol ?? 1e-2;
  const rng = new Rng(opts.seed ?? 1234);

  const evalLoss = async (
    datas: Float32Array[],
    w: Float32Array | null,
  ): Promise<{ out: Float32Array; loss: number }> => {
    const out = await gpu.tidyAsync(async () => {
      const xs = datas.map((d, i) => gpu.tensor(inputs[i].shape, inputs[i].dtype ?? 'f32', d));
      const y = forward(xs);
      return gpu.read(y);
    });
    let loss = 0;
    if (w) for (let i = 0; i < out.length; i++) loss += w[i] * out[i];
    return { out, loss };
  };

  const base = inputs.map((x) => Float32Array.from(x.data));
  const { out: y0 } = await evalLoss(base, null);
  const w = new Float32Array(y0.length);
  for (let i = 0; i < w.length; i++) w[i] = rng.range(-1, 1);

  // Analytic gradients through the tape, seeded with w (so L = Σ w·y).
  const analytic = await gpu.tidyAsync(async () => {
    const tape = new Tape(gpu);
    const xs = base.map((d, i) => {
      const t = gpu.tensor(inputs[i].shape, inputs[i].dtype ?? 'f32', d);
      t.requiresGrad = true;
      return t;
    });
    const y = tape.run(() => forward(xs));
    const seed = gpu.tensor(y.shape, y.dtype, w);
    const gs = tape.gradients(y, xs, seed);
    return Promise.all(gs.map((g) => gpu.read(g)));
  });

  const checks: GradCheckResult['checks'] = [];
  let worstRatio = 0;
  let message = '';
  for (let k = 0; k < inputs.length; k++) {
    const n = base[k].length;
    const idx = opts.indices?.[k] ?? Array.from({ length: Math.min(samples, n) }, () => rng.int(n));
    for (const j of idx) {
      const plus = base.map((d) => Float32Array.from(d));
      const minus = base.map((d) => Float32Array.from(d));
      plus[k][j] += eps;
      minus[k][j] -= eps;
      // The actual perturbation after float32 rounding.
      const h = plus[k][j] - minus[k][j];
      const lp = (await evalLoss(plus, w)).loss;
      const lm = (await evalLoss(minus, w)).loss;
      const numeric = (lp - lm) / h;
      const a = analytic[k][j];
      const ratio = Math.abs(a - numeric) / (atol + rtol * Math.abs(numeric));
      checks.push({ input: k, index: j, analytic: a, numeric });
      if (ratio > worstRatio) {
        worstRatio = ratio;
        message = `input ${k} index ${j}: analytic ${a}, numeric ${numeric} (atol ${atol}, rtol ${rtol})`;
      }
    }
  }
  return { checks, worstRatio, message };
}
