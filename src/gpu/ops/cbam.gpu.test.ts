/** Tests of the CBAM pieces (cbam.ts) vs float64 references and finite differences. */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor';
import { checkGradients, compare, getTestGpu, randomArray } from '../../testing/gpu';
import { channelGate, channelStats, linear, planeStats, spatialGate } from './cbam';

describe('CBAM pieces (GPU) vs float64 and finite differences', () => {
  const [B, C, H, W] = [2, 3, 4, 5];
  const P = H * W;
  const x = randomArray(B * C * P, 1);

  const sig = (z: number) => 1 / (1 + Math.exp(-z));

  it('fused pools (stacked plane mean/max, channel max/mean map) and gates equal float64', async () => {
    const gpu = await getTestGpu();
    const a = randomArray(2 * B * C, 5, -2, 2);
    const sp = randomArray(B * P, 6, -2, 2);
    const outs = await gpu.tidyAsync(async () => {
      const t = gpu.tensor([B, C, H, W], 'f32', x);
      const ta = gpu.tensor([2 * B, C], 'f32', a);
      const ts = gpu.tensor([B, 1, H, W], 'f32', sp);
      return Promise.all(
        [planeStats(gpu, t), channelStats(gpu, t), channelGate(gpu, t, ta), spatialGate(gpu, t, ts)].map((o) =>
          gpu.read(o),
        ),
      );
    });
    const stats: number[] = new Array(2 * B * C);
    for (let j = 0; j < B * C; j++) {
      const s = x.subarray(j * P, j * P + P);
      stats[j] = s.reduce((acc, v) => acc + v, 0) / P;
      stats[B * C + j] = Math.max(...s);
    }
    const cstats: number[] = [];
    for (let b = 0; b < B; b++) {
      const planes = [0, 1].map(() => [] as number[]);
      for (let p = 0; p < P; p++) {
        const v = Array.from({ length: C }, (_, c) => x[(b * C + c) * P + p]);
        planes[0].push(Math.max(...v));
        planes[1].push(v.reduce((acc, q) => acc + q, 0) / C);
      }
      cstats.push(...planes[0], ...planes[1]);
    }
    const cg = Array.from(x, (v, i) => v * sig(a[Math.floor(i / P)] + a[B * C + Math.floor(i / P)]));
    const sg = Array.from(x, (v, i) => v * sig(sp[Math.floor(i / (C * P)) * P + (i % P)]));
    expect(compare(outs[0], stats, { atol: 1e-6 }, 'plane mean; max')).toBe('');
    expect(compare(outs[1], cstats, { atol: 1e-6 }, 'channel max; mean')).toBe('');
    expect(compare(outs[2], cg, { atol: 1e-6 }, 'channel gate')).toBe('');
    expect(compare(outs[3], sg, { atol: 1e-6 }, 'spatial gate')).toBe('');
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
      [
        'linear',
        ([a, ww, bb]) => linear(gpu, a, ww, bb),
        [
          { shape: [3, 6], data: xi },
          { shape: [4, 6], data: w },
          { shape: [4], data: bias },
        ],
      ],
      ['planeStats', ([a]) => planeStats(gpu, a), [{ shape: [B, C, H, W], data: x }]],
      ['channelStats', ([a]) => channelStats(gpu, a), [{ shape: [B, C, H, W], data: x }]],
      [
        'channelGate',
        ([a, g]) => channelGate(gpu, a, g),
        [
          { shape: [B, C, H, W], data: x },
          { shape: [2 * B, C], data: randomArray(2 * B * C, 7, -2, 2) },
        ],
      ],
      [
        'spatialGate',
        ([a, g]) => spatialGate(gpu, a, g),
        [
          { shape: [B, C, H, W], data: x },
          { shape: [B, 1, H, W], data: randomArray(B * P, 8, -2, 2) },
        ],
      ],
    ];
    for (const [name, f, inputs] of cases) {
      const res = await checkGradients(gpu, f, inputs, { samples: 12, eps: 1e-3, atol: 1e-3, rtol: 1e-3 });
      expect(res.worstRatio, `${name}: ${res.message}`).toBeLessThanOrEqual(1);
    }
  });
});
