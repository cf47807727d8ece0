/**
 * Tests of instance normalisation (norm.ts): the float64 reference (norm.ref.ts) against central differences, the
 * GPU op against the reference and finite differences, and the FFNO/FNO layers (GELU, InstanceNorm2d, the scalar
 * gate) against torch's float32 outputs and autograd gradients (tests/fixtures/layers/make_layers_golden.py).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNpz } from '../../pipeline/npz';
import { checkGradients, compare, getTestGpu, maxAbs, randomArray } from '../../testing/gpu';
import type { Gpu } from '../runtime';
import { Tape } from '../tape';
import type { Tensor } from '../tensor';
import { gelu } from './activation';
import { scaleByScalar } from './elementwise';
import { instanceNorm } from './norm';
import { instanceNormGradRef, instanceNormRef, type InstanceNormRefOptions } from './norm.ref';

interface Case {
  shape: number[];
  x: Float32Array;
  g: Float32Array;
  weight?: Float32Array;
  bias?: Float32Array;
  eps: number;
}

/** Rows with per-row offsets and scales (the mean subtraction must not cost digits). */
function makeCase(shape: number[], seed: number, affine: boolean, eps: number): Case {
  const [B, C, H, W] = shape;
  const hw = H * W;
  const x = randomArray(B * C * hw, seed, -1, 1);
  const off = randomArray(B * C, seed + 1, -3, 3);
  const sc = randomArray(B * C, seed + 2, 0.2, 3);
  for (let i = 0; i < x.length; i++) x[i] = x[i] * sc[Math.floor(i / hw)] + off[Math.floor(i / hw)];
  const g = randomArray(x.length, seed + 3);
  if (!affine) return { shape, x, g, eps };
  return { shape, x, g, eps, weight: randomArray(C, seed + 4, -2, 2), bias: randomArray(C, seed + 5, -1, 1) };
}

const refOpts = (c: Case): InstanceNormRefOptions => ({ weight: c.weight, bias: c.bias, eps: c.eps });

/** GPU forward and the tape's gradients of Σ g·y to x (and weight, bias). */
async function runGpu(c: Case): Promise<Float32Array[]> {
  const gpu = await getTestGpu();
  return gpu.tidyAsync(async () => {
    const t = (shape: number[], d: Float32Array) => {
      const r = gpu.tensor(shape, 'f32', d);
      r.requiresGrad = true;
      return r;
    };
    const x = t(c.shape, c.x);
    const params = c.weight && c.bias ? [t([c.shape[1]], c.weight), t([c.shape[1]], c.bias)] : [];
    const tape = new Tape(gpu);
    const y = tape.run(() => instanceNorm(gpu, x, { weight: params[0], bias: params[1], eps: c.eps }));
    const grads = tape.gradients(y, [x, ...params], gpu.tensor(c.shape, 'f32', c.g));
    return Promise.all([y, ...grads].map((r) => gpu.read(r)));
  });
}

const lossRef = (c: Case, x: ArrayLike<number>, o: InstanceNormRefOptions) =>
  instanceNormRef(x, c.shape, o).reduce((s, v, i) => s + v * c.g[i], 0);

describe('instanceNorm float64 reference', () => {
  for (const affine of [true, false])
    it(`adjoints equal central differences of Σ g·y (affine ${affine})`, () => {
      const c = makeCase([2, 3, 3, 4], 11, affine, affine ? 1e-5 : 1e-6);
      const o = refOpts(c);
      const { gx, gw, gb } = instanceNormGradRef(c.x, c.shape, c.g, o);
      const h = 1e-6;
      const fd = (f: (d: number) => number) => (f(h) - f(-h)) / (2 * h);
      const shifted = (a: ArrayLike<number>, j: number, d: number) => Array.from(a, (v, i) => (i === j ? v + d : v));
      for (let j = 0; j < c.x.length; j++)
        expect(Math.abs(fd((d) => lossRef(c, shifted(c.x, j, d), o)) - gx[j])).toBeLessThan(1e-7);
      if (!c.weight || !c.bias) return;
      const { weight, bias } = c;
      for (let j = 0; j < c.shape[1]; j++) {
        expect(Math.abs(fd((d) => lossRef(c, c.x, { ...o, weight: shifted(weight, j, d) })) - gw[j])).toBeLessThan(
          1e-7,
        );
        expect(Math.abs(fd((d) => lossRef(c, c.x, { ...o, bias: shifted(bias, j, d) })) - gb[j])).toBeLessThan(1e-7);
      }
    });
});

describe('instanceNorm (GPU) vs the float64 reference', () => {
  const cases: [string, Case][] = [
    ['affine (2, 3, 5, 7), eps 1e-5', makeCase([2, 3, 5, 7], 21, true, 1e-5)],
    ['affine (1, 2, 128, 128): 16384 per row', makeCase([1, 2, 128, 128], 22, true, 1e-5)],
    ['affine (2, 150, 4, 4): 300 rows', makeCase([2, 150, 4, 4], 23, true, 1e-5)],
    ['plain (3, 4, 9, 9), eps 1e-6', makeCase([3, 4, 9, 9], 24, false, 1e-6)],
  ];
  for (const [name, c] of cases)
    it(`${name}: output and every gradient within 2e-6 of the largest + 1e-5 relative`, async () => {
      const [y, gx, gw, gb] = await runGpu(c);
      const o = refOpts(c);
      const ref = instanceNormGradRef(c.x, c.shape, c.g, o);
      const pairs: [string, Float32Array, ArrayLike<number>][] = [
        ['y', y, instanceNormRef(c.x, c.shape, o)],
        ['gx', gx, ref.gx],
      ];
      if (c.weight) pairs.push(['gw', gw, ref.gw], ['gb', gb, ref.gb]);
      for (const [what, got, want] of pairs)
        expect(compare(got, want, { atol: 2e-6 * maxAbs(want), rtol: 1e-5 }, what)).toBe('');
    });

  it('tape gradients equal finite differences of the GPU op (affine and plain)', async () => {
    const gpu = await getTestGpu();
    const { shape, x, weight = new Float32Array(), bias = new Float32Array() } = makeCase([2, 3, 4, 5], 31, true, 1e-5);
    const inputs = [
      { shape, data: x },
      { shape: [3], data: weight },
      { shape: [3], data: bias },
    ];
    const affine = await checkGradients(gpu, ([x, w, b]) => instanceNorm(gpu, x, { weight: w, bias: b }), inputs);
    expect(affine.worstRatio, affine.message).toBeLessThanOrEqual(1);
    const plain = await checkGradients(gpu, ([x]) => instanceNorm(gpu, x, { eps: 1e-6 }), inputs.slice(0, 1));
    expect(plain.worstRatio, plain.message).toBeLessThanOrEqual(1);
  });

  it('refuses a lone weight and a mis-shaped one', async () => {
    const gpu = await getTestGpu();
    gpu.tidy(() => {
      const x = gpu.tensor([1, 2, 2, 2], 'f32');
      expect(() => instanceNorm(gpu, x, { weight: gpu.tensor([2], 'f32') })).toThrow(/together/);
      const w3 = gpu.tensor([3], 'f32');
      expect(() => instanceNorm(gpu, x, { weight: w3, bias: w3 })).toThrow(/\[2\]/);
    });
  });
});

describe('FFNO/FNO layers vs torch 1.13 (tests/fixtures/layers/layers_golden.npz)', () => {
  const z = readNpz(
    new Uint8Array(readFileSync(new URL('../../../tests/fixtures/layers/layers_golden.npz', import.meta.url))),
  );
  const arr = (k: string) => z[k].data as Float32Array;
  const shape = (k: string) => z[k].shape;

  /** Run `f` on the golden inputs `keys` (all trainable) and return [out, ...grads] for seed g. */
  async function run(name: string, keys: string[], f: (ts: Tensor[]) => Tensor): Promise<Float32Array[]> {
    const gpu = await getTestGpu();
    return gpu.tidyAsync(async () => {
      const ts = keys.map((k) => {
        const t = gpu.tensor(shape(`${name}__${k}`), 'f32', arr(`${name}__${k}`));
        t.requiresGrad = true;
        return t;
      });
      const tape = new Tape(gpu);
      const y = tape.run(() => f(ts));
      const gs = tape.gradients(y, ts, gpu.tensor(y.shape, 'f32', arr(`${name}__g`)));
      return Promise.all([y, ...gs].map((t) => gpu.read(t)));
    });
  }

  const layers: [string, string[], (gpu: Gpu, ts: Tensor[]) => Tensor][] = [
    ['gelu', ['x'], (gpu, [x]) => gelu(gpu, x)],
    ['norm_affine', ['x', 'weight', 'bias'], (gpu, [x, w, b]) => instanceNorm(gpu, x, { weight: w, bias: b })],
    ['norm_plain', ['x'], (gpu, [x]) => instanceNorm(gpu, x, { eps: 1e-6 })],
    ['gate', ['x', 's'], (gpu, [x, s]) => scaleByScalar(gpu, x, s)],
  ];
  for (const [name, keys, f] of layers)
    it(`${name}: output and gradients (${keys.join(', ')}) within 2e-6 of the largest + 1e-5 relative of torch`, async () => {
      const gpu = await getTestGpu();
      const [y, ...gs] = await run(name, keys, (ts) => f(gpu, ts));
      const want = [`${name}__out`, ...keys.map((k) => `${name}__grad_${k}`)].map(arr);
      [y, ...gs].forEach((got, i) =>
        expect(compare(got, want[i], { atol: 2e-6 * maxAbs(want[i]), rtol: 1e-5 }, `${name} #${i}`)).toBe(''),
      );
    });
});
