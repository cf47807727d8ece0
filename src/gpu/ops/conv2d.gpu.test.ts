/** Tests of conv2d (conv2d.ts), both kernel variants, vs a float64 direct convolution (conv2d.ref.ts). */
import { describe, expect, it } from 'vitest';
import { Tape } from '../tape';
import { checkGradients, compare, getTestGpu, maxAbs, randomArray, withVariant } from '../../testing/gpu';
import { conv2d } from './conv2d';
import { CONV_CASES, convCaseData, expectConvWithin } from '../../testing/conv2dCases';
import { conv2dGradRef } from './conv2d.ref';

for (const variant of ['tiled', 'direct'] as const)
  describe(`conv2d (${variant} kernels) vs float64 direct convolution`, () => {
    withVariant('conv', variant);
    for (const c of CONV_CASES) {
      it(`${c.name}: forward (bias, ±ReLU) and all adjoints within 1e-5 of max`, async () => {
        const gpu = await getTestGpu();
        const { x, w, b, yRef, gUp, grads } = convCaseData(c);
        // The ReLU adjoint (fused with the bias adjoint): the same adjoints of the masked gradient gUp·[y > 0].
        const gradsRelu = conv2dGradRef(
          x,
          c.x,
          w,
          c.w,
          gUp.map((g, i) => (yRef[i] > 0 ? g : 0)),
        );
        const res = await gpu.tidyAsync(async () => {
          const tx = gpu.tensor(c.x, 'f32', x);
          const tw = gpu.tensor(c.w, 'f32', w);
          const tb = gpu.tensor([c.w[0]], 'f32', b);
          for (const t of [tx, tw, tb]) t.requiresGrad = true;
          const tape = new Tape(gpu);
          const y = tape.run(() => conv2d(gpu, tx, tw, tb));
          const [gx, gw, gb] = tape.gradients(y, [tx, tw, tb], gpu.tensor(y.shape, 'f32', gUp));
          const tapeRelu = new Tape(gpu);
          const yr = tapeRelu.run(() => conv2d(gpu, tx, tw, tb, { relu: true }));
          const relu = tapeRelu.gradients(yr, [tx, tw, tb], gpu.tensor(y.shape, 'f32', gUp));
          return {
            y: await gpu.read(y),
            yr: await gpu.read(yr),
            gx: await gpu.read(gx),
            gw: await gpu.read(gw),
            gb: await gpu.read(gb),
            relu: await Promise.all(relu.map((t) => gpu.read(t))),
          };
        });
        expectConvWithin(res, yRef, grads);
        expect(compare(res.gb, grads.gb, { atol: 1e-5 * maxAbs(grads.gb) }, 'grad b')).toBe('');
        (['gx', 'gw', 'gb'] as const).forEach((k, i) => {
          expect(
            compare(res.relu[i], gradsRelu[k], { atol: 1e-5 * maxAbs(gradsRelu[k]) }, `ReLU: grad ${k.slice(1)}`),
          ).toBe('');
        });
      });
    }

    it('weight gradient with split-K over many pixels (B4 Cin2 Cout3 32×32) equals the float64 reference', async () => {
      const gpu = await getTestGpu();
      const xs = [4, 2, 32, 32];
      const ws = [3, 2, 3, 3];
      const x = randomArray(4 * 2 * 32 * 32, 11);
      const w = randomArray(54, 12);
      const g = randomArray(4 * 3 * 32 * 32, 13);
      const ref = conv2dGradRef(x, xs, w, ws, g).gw;
      const gw = await gpu.tidyAsync(async () => {
        const tx = gpu.tensor(xs, 'f32', x);
        const tw = gpu.tensor(ws, 'f32', w);
        tw.requiresGrad = true;
        const tape = new Tape(gpu);
        const y = tape.run(() => conv2d(gpu, tx, tw, null));
        return gpu.read(tape.gradients(y, [tw], gpu.tensor(y.shape, 'f32', g))[0]);
      });
      expect(compare(gw, ref, { atol: 1e-5 * maxAbs(ref) }, 'grad w split-K')).toBe('');
    });

    it('fused ReLU backward and all adjoints equal finite differences', async () => {
      const gpu = await getTestGpu();
      const res = await checkGradients(
        gpu,
        ([x, w, b]) => conv2d(gpu, x, w, b, { relu: true }),
        [
          { shape: [1, 2, 4, 5], data: randomArray(40, 21) },
          { shape: [3, 2, 3, 3], data: randomArray(54, 22) },
          { shape: [3], data: randomArray(3, 23, 0.5, 1) },
        ],
        { samples: 10, eps: 1e-3, atol: 2e-3, rtol: 2e-3 },
      );
      expect(res.worstRatio, res.message).toBeLessThanOrEqual(1);
    });
  });
