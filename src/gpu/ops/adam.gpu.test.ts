import { describe, expect, it } from 'vitest';
import { compare, getTestGpu, randomArray } from '../testing';
import { Adam, clipByGlobalNorm, sumOfSquares } from './adam';
import { adamStepRef } from './loss.ref';

describe('Adam and gradient clipping (GPU vs float64 torch.optim.Adam reference)', () => {
  it('5 steps with weight decay and changing gradients match the float64 reference to 1e-6', async () => {
    const gpu = await getTestGpu();
    const n = 300;
    const p0 = randomArray(n, 21);
    const grads = [1, 2, 3, 4, 5].map((s) => randomArray(n, 30 + s, -s, s));
    const o = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    const p = gpu.keep(gpu.tensor([n], 'f32', p0));
    const adam = new Adam(gpu, [p], o);
    const pr = Float64Array.from(p0);
    const m = new Float64Array(n);
    const v = new Float64Array(n);
    for (let t = 1; t <= 5; t++) {
      gpu.tidy(() => adam.step([gpu.tensor([n], 'f32', grads[t - 1])]));
      adamStepRef(pr, grads[t - 1], m, v, t, o);
    }
    const got = await gpu.read(p);
    expect(compare(got, pr, { atol: 1e-6, rtol: 1e-6 }, 'params after 5 steps')).toBe('');
    adam.dispose();
    p.dispose();
  });

  it('global norm and clip factor match float64; a clipped step equals the reference with scaled grads', async () => {
    const gpu = await getTestGpu();
    const a = randomArray(5000, 41, -2, 2);
    const b = randomArray(77, 42, -2, 2);
    let ss = 0;
    for (const x of [...a, ...b]) ss += x * x;
    const norm = Math.sqrt(ss);
    const maxNorm = 3;
    const factor = Math.min(1, maxNorm / (norm + 1e-6));
    const [got, sq] = await gpu.tidyAsync(async () => {
      const ta = gpu.tensor([5000], 'f32', a);
      const tb = gpu.tensor([77], 'f32', b);
      return [await gpu.read(clipByGlobalNorm(gpu, [ta, tb], maxNorm)), await gpu.read(sumOfSquares(gpu, [ta, tb]))];
    });
    expect(Math.abs(sq[0] - ss) / ss).toBeLessThan(1e-6);
    expect(Math.abs(got[0] - norm) / norm).toBeLessThan(1e-6);
    expect(Math.abs(got[1] - factor) / factor).toBeLessThan(1e-6);

    const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
    const p0 = randomArray(77, 43);
    const p = gpu.keep(gpu.tensor([77], 'f32', p0));
    const adam = new Adam(gpu, [p], o);
    gpu.tidy(() => {
      const tb = gpu.tensor([77], 'f32', b);
      adam.step([tb], clipByGlobalNorm(gpu, [gpu.tensor([5000], 'f32', a), tb], maxNorm));
    });
    const pr = Float64Array.from(p0);
    adamStepRef(pr, Array.from(b, (x) => x * factor), new Float64Array(77), new Float64Array(77), 1, o);
    expect(compare(await gpu.read(p), pr, { atol: 1e-6, rtol: 1e-6 }, 'clipped step')).toBe('');
    adam.dispose();
    p.dispose();
  });
});
