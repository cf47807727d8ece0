/** Tests of the NCHW layout ops (layout.ts) and pooling (pool.ts) vs float64 references (layers.ref.ts) and finite differences. */
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor';
import { checkGradients, compare, getTestGpu, randomArray } from '../../testing/gpu';
import { broadcastMul, concatChannels, crop2d, pad2d, sliceChannels } from './layout';
import { maxPool2x2, upsample2x } from './pool';
import { maxPoolRef, upsampleRef, windowRef } from './layers.ref';

const shape = [2, 3, 6, 4];
const n = 2 * 3 * 6 * 4;

describe('pool, upsample and layout ops (GPU) vs float64 and finite differences', () => {
  it('forward values equal the float64 references exactly', async () => {
    const gpu = await getTestGpu();
    const x = randomArray(n, 1);
    const y = randomArray(2 * 2 * 6 * 4, 2);
    const gate = randomArray(6, 3);
    const outs = await gpu.tidyAsync(async () => {
      const t = gpu.tensor(shape, 'f32', x);
      const ty = gpu.tensor([2, 2, 6, 4], 'f32', y);
      return Promise.all(
        [
          maxPool2x2(gpu, t),
          upsample2x(gpu, t),
          sliceChannels(gpu, t, 1, 2),
          concatChannels(gpu, [t, ty]),
          pad2d(gpu, t, 2),
          crop2d(gpu, t, 1, 2, 3, 2),
          broadcastMul(gpu, t, gpu.tensor([2, 3, 1, 1], 'f32', gate)),
        ].map((o) => gpu.read(o)),
      );
    });
    expect(compare(outs[0], maxPoolRef(x, 2, 3, 6, 4), { atol: 0 }, 'maxpool')).toBe('');
    expect(compare(outs[1], upsampleRef(x, 2, 3, 6, 4), { atol: 0 }, 'upsample')).toBe('');
    expect(
      compare(outs[2], windowRef(x, shape, { cOut: 2, cOff: 1, hOut: 6, wOut: 4, dy: 0, dx: 0 }), { atol: 0 }, 'slice'),
    ).toBe('');
    const cat = new Float64Array(2 * 5 * 24);
    for (let b = 0; b < 2; b++) {
      cat.set(x.subarray(b * 72, b * 72 + 72), b * 120);
      cat.set(y.subarray(b * 48, b * 48 + 48), b * 120 + 72);
    }
    expect(compare(outs[3], cat, { atol: 0 }, 'concat')).toBe('');
    expect(
      compare(
        outs[4],
        windowRef(x, shape, { cOut: 3, cOff: 0, hOut: 10, wOut: 8, dy: -2, dx: -2 }),
        { atol: 0 },
        'pad',
      ),
    ).toBe('');
    expect(
      compare(outs[5], windowRef(x, shape, { cOut: 3, cOff: 0, hOut: 3, wOut: 2, dy: 1, dx: 2 }), { atol: 0 }, 'crop'),
    ).toBe('');
    expect(
      compare(
        outs[6],
        Array.from(x, (v, i) => v * gate[Math.floor(i / 24)]),
        { atol: 1e-7, rtol: 1e-7 },
        'channel gate',
      ),
    ).toBe('');
  });

  it('adjoints equal finite differences (pool, upsample, slice, concat, pad, crop, all three gate shapes)', async () => {
    const gpu = await getTestGpu();
    const x = { shape, data: randomArray(n, 5) };
    const cases: [string, (xs: Tensor[]) => Tensor, { shape: number[]; data: Float32Array }[]][] = [
      ['maxpool', ([a]) => maxPool2x2(gpu, a), [x]],
      ['upsample', ([a]) => upsample2x(gpu, a), [x]],
      ['slice', ([a]) => sliceChannels(gpu, a, 2, 1), [x]],
      ['concat', ([a, b]) => concatChannels(gpu, [b, a]), [x, { shape: [2, 1, 6, 4], data: randomArray(48, 6) }]],
      ['pad', ([a]) => pad2d(gpu, a, 1), [x]],
      ['crop', ([a]) => crop2d(gpu, a, 2, 1, 3, 3), [x]],
      ['channel gate', ([a, g]) => broadcastMul(gpu, a, g), [x, { shape: [2, 3, 1, 1], data: randomArray(6, 7) }]],
      ['spatial gate', ([a, g]) => broadcastMul(gpu, a, g), [x, { shape: [2, 1, 6, 4], data: randomArray(48, 8) }]],
      ['mask', ([a, g]) => broadcastMul(gpu, a, g), [x, { shape: [6, 4], data: randomArray(24, 9) }]],
    ];
    for (const [name, f, inputs] of cases) {
      const res = await checkGradients(gpu, f, inputs, { samples: 10, eps: 1e-3, atol: 1e-3, rtol: 1e-3 });
      expect(res.worstRatio, `${name}: ${res.message}`).toBeLessThanOrEqual(1);
    }
  });
});
