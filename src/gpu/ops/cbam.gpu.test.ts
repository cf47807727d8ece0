import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor';
import { checkGradients, compare, getTestGpu, randomArray } from '../testing';
import { channelPool, globalPool, linear } from './cbam';

describe('CBAM pieces (GPU) vs float64 and finite differences', () => {
  const [B, C, H, W] = [2, 3, 4, 5];
  const P = H * W;
  const x = randomArray(B * C * P, 1);

  it('global avg/max pool over H×W and channel mean/max over C equal float64', async () => {
    const gpu = await getTestGpu();
    const outs = await gpu.tidyAsync(async () => {
      const t = gpu.tensor([B, C, H, W], 'f32', x);
      return Promise.all([globalPool(gpu, t, 'avg'), globalPool(gpu, t, 'max'), channelPool(gpu, t, 'mean'), channelPool(gpu, t, 'max')].map((o) => gpu.read(o)));
    });
    const avg = [], mx = [], cmean = [], cmax = [];
    for (let j = 0; j < B * C; j++) {
      const s = x.subarray(j * P, j * P + P);
      avg.push(s.reduce((a, v) => a + v, 0) / P);
      mx.push(Math.max(...s));
    }
    for (let b = 0; b < B; b++)
      for (let p = 0; p < P; p++) {
        const v = [0, 1, 2].map((c) => x[(b * C + c) * P + p]);
        cmean.push(v.reduce((a, q) => a + q, 0) / C);
        cmax.push(Math.max(...v));
      }
    expect(compare(outs[0], avg, { atol: 1e-6 }, 'avg')).toBe('');
    expect(compare(outs[1], mx, { atol: 0 }, 'max')).toBe('');
    expect(compare(outs[2], cmean, { atol: 1e-6 }, 'channel mean')).toBe('');
    expect(compare(outs[3], cmax, { atol: 0 }, 'channel max')).toBe('');
  });

  it('linear layer equals float64; all adjoints equal finite differences', async () => {
    const gpu = await getTestGpu();
    const w = randomArray(4 * 6, 2);
    const bias = randomArray(4, 3);
    const xi = randomArray(3 * 6, 4);
    const y = await gpu.tidyAsync(async () =>
      gpu.read(linear(gpu, gpu.tensor([3, 6], 'f32', xi), gpu.tensor([4, 6], 'f32', w), gpu.tensor([4], 'f32', bias))),
    );
    const ref: number[] = [];
    for (let b = 0; b < 3; b++)
      for (let o = 0; o < 4; o++) {
        let s = bias[o];
        for (let i = 0; i < 6; i++) s += xi[b * 6 + i] * w[o * 6 + i];
        ref.push(s);
      }
    expect(compare(y, ref, { atol: 1e-6, rtol: 1e-6 }, 'linear')).toBe('');
    const cases: [string, (xs: Tensor[]) => Tensor, { shape: number[]; data: Float32Array }[]][] = [
      ['linear', ([a, ww, bb]) => linear(gpu, a, ww, bb), [{ shape: [3, 6], data: xi }, { shape: [4, 6], data: w }, { shape: [4], data: bias }]],
      ['globalPool avg', ([a]) => globalPool(gpu, a, 'avg'), [{ shape: [B, C, H, W], data: x }]],
      ['globalPool max', ([a]) => globalPool(gpu, a, 'max'), [{ shape: [B, C, H, W], data: x }]],
      ['channelPool mean', ([a]) => channelPool(gpu, a, 'mean'), [{ shape: [B, C, H, W], data: x }]],
      ['channelPool max', ([a]) => channelPool(gpu, a, 'max'), [{ shape: [B, C, H, W], data: x }]],
    ];
    for (const [name, f, inputs] of cases) {
      const res = await checkGradients(gpu, f, inputs, { samples: 12, eps: 1e-3, atol: 1e-3, rtol: 1e-3 });
      expect(res.worstRatio, `${name}: ${res.message}`).toBeLessThanOrEqual(1);
    }
  });
});
