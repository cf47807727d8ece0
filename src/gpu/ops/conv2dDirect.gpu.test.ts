/** Tests of the direct conv2d of software adapters (conv2dDirect.ts) vs a float64 direct convolution. */
import { describe, expect, it } from 'vitest';
import { getTestGpu } from '../../testing/gpu';
import { conv2dDirectRaw, conv2dDirectWeightGrad, type DirectBlock } from './conv2dDirect';
import { CONV_CASES, convCaseData, expectConvWithin, type ConvCase } from '../../testing/conv2dCases';

const cases: ConvCase[] = [
  ...CONV_CASES,
  { name: 'B2 Cin7 Cout6 7×11 k3 (W, Cin, Cout not multiples of the blocks)', x: [2, 7, 7, 11], w: [6, 7, 3, 3] },
  { name: 'B2 Cin5 Cout7 6×10 k1', x: [2, 5, 6, 10], w: [7, 5, 1, 1] },
  { name: 'B1 Cin3 Cout9 9×13 k5', x: [1, 3, 9, 13], w: [9, 3, 5, 5] },
  { name: 'B4 Cin2 Cout3 32×32 k3 (many row splits)', x: [4, 2, 32, 32], w: [3, 2, 3, 3] },
];

const blocks: (DirectBlock & { exported?: boolean })[] = [
  { px: 8, oc: 8, wg: 64, exported: true }, // conv2dDirectRaw / conv2dDirectWeightGrad with their default block
  { px: 4, oc: 4, wg: 64 },
  { px: 8, oc: 8, wg: 64 },
];

describe('conv2d direct (register-blocked, no workgroup memory) vs float64 direct convolution', () => {
  for (const c of cases) {
    for (const blk of blocks) {
      it(`${c.name} [${blk.exported ? 'exported default' : `px${blk.px} oc${blk.oc} unrolled`}]: forward (bias, ±ReLU), input and weight gradients within 1e-5 of max`, async () => {
        const gpu = await getTestGpu();
        const { x, w, b, yRef, gUp, grads } = convCaseData(c);
        const res = await gpu.tidyAsync(async () => {
          const tx = gpu.tensor(c.x, 'f32', x);
          const tw = gpu.tensor(c.w, 'f32', w);
          const tb = gpu.tensor([c.w[0]], 'f32', b);
          const tg = gpu.tensor([c.x[0], c.w[0], c.x[2], c.x[3]], 'f32', gUp);
          const bk = blk.exported ? undefined : blk;
          const y = conv2dDirectRaw(gpu, tx, tw, tb, false, false, bk);
          const yr = conv2dDirectRaw(gpu, tx, tw, tb, true, false, bk);
          const gx = conv2dDirectRaw(gpu, tg, tw, null, false, true, bk);
          const gw = conv2dDirectWeightGrad(gpu, tx, tg, tw, bk);
          return { y: await gpu.read(y), yr: await gpu.read(yr), gx: await gpu.read(gx), gw: await gpu.read(gw) };
        });
        expectConvWithin(res, yRef, grads);
      });
    }
  }

  it('rejects mismatched shapes', async () => {
    const gpu = await getTestGpu();
    gpu.tidy(() => {
      const tx = gpu.tensor([1, 3, 4, 4], 'f32');
      const tw = gpu.tensor([2, 4, 3, 3], 'f32');
      expect(() => conv2dDirectRaw(gpu, tx, tw, null, false, false)).toThrow();
    });
  });
});
