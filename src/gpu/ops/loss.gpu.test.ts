/** Tests of the PtychoPINN losses (loss.ts) vs golden reference values and float64 references (loss.ref.ts). */
import { describe, expect, it } from 'vitest';
import { golden } from '../../testing/fixtures';
import { Tape } from '../tape';
import { checkGradients, compare, getTestGpu, randomArray } from '../../testing/gpu';
import { l1Loss, ptychoLoss, type LossMode } from './loss';
import { maeLossRef, poissonLossRef } from './loss.ref';

const g = golden('loss');

async function lossAndGrad(mode: LossMode, pred: Float32Array, obs: Float32Array, S: Float32Array, shape: number[]) {
  const gpu = await getTestGpu();
  return gpu.tidyAsync(async () => {
    const tp = gpu.tensor(shape, 'f32', pred);
    tp.requiresGrad = true;
    const to = gpu.tensor(shape, 'f32', obs);
    const ts = gpu.tensor([shape[0]], 'f32', S);
    const tape = new Tape(gpu);
    const l = tape.run(() => ptychoLoss(gpu, tp, to, ts, mode));
    const [gp] = tape.gradients(l, [tp]);
    return { loss: (await gpu.read(l))[0], grad: await gpu.read(gp) };
  });
}

describe('PtychoPINN loss vs the reference compute_loss (golden loss.npz)', () => {
  for (const c of ['s31', 's988']) {
    for (const mode of ['poisson', 'mae'] as const) {
      it(`${c} ${mode}: loss ≤ 1e-4 relative to the float64 reference value, grad vs torch`, async () => {
        const pred = g(`${c}/pred`);
        const obs = g(`${c}/observed`);
        const S = g(`${c}/S`);
        const { loss, grad } = await lossAndGrad(
          mode,
          pred.data as Float32Array,
          obs.data as Float32Array,
          S.data as Float32Array,
          pred.shape,
        );
        const ref64 = (g(`${c}/${mode}/loss_f64`).data as Float32Array)[0];
        const refTorch = (g(`${c}/${mode}/loss`).data as Float32Array)[0];
        expect(Math.abs(loss - ref64) / ref64).toBeLessThan(1e-4);
        expect(Math.abs(loss - refTorch) / refTorch).toBeLessThan(1e-4);
        // Our own float64 reference agrees with torch's float64 run (independent check of the formula).
        const ours64 = (mode === 'poisson' ? poissonLossRef : maeLossRef)(pred.data, obs.data, S.data, pred.shape[0]);
        expect(Math.abs(ours64 - ref64) / ref64).toBeLessThan(1e-6);
        const gref = g(`${c}/${mode}/grad_pred`).data as Float32Array;
        let gmax = 0;
        for (const v of gref) gmax = Math.max(gmax, Math.abs(v));
        // MAE's gradient is ±const (sign): exact except where S·pred = S·obs to float32 round-off.
        expect(compare(grad, gref, { atol: 1e-4 * gmax, rtol: 1e-4 }, `${c} ${mode} grad`)).toBe('');
      });
    }
  }

  it('unit: −log Poisson(9; λ=4) = 4.325178 (pred 2, obs 3, S 1) and MAE |2 − 3.5| = 1.5 (÷ mean obs)', async () => {
    const { loss } = await lossAndGrad(
      'poisson',
      new Float32Array([2]),
      new Float32Array([3]),
      new Float32Array([1]),
      [1, 1],
    );
    // compute_loss divides by mean(observed) = 3; PoissonIntensityLayer does not.
    expect(Math.abs(loss * (3 + 1e-8) - (g('unit/poisson_layer_pred2_obs3').data as Float32Array)[0])).toBeLessThan(
      2e-6,
    );
    const { loss: mae } = await lossAndGrad(
      'mae',
      new Float32Array([2]),
      new Float32Array([3.5]),
      new Float32Array([1]),
      [1, 1],
    );
    expect(Math.abs(mae * 3.5 - (g('unit/mae_pred2_obs3p5').data as Float32Array)[0])).toBeLessThan(1e-6);
  });

  it('Poisson gradient equals finite differences (small k and large k branches)', async () => {
    const gpu = await getTestGpu();
    const shape = [2, 1, 3, 3];
    const obs = randomArray(18, 11, 0.2, 1.5);
    obs[0] = 0; // k = 0 branch
    const S = new Float32Array([1.7, 6]); // sample 0: k < 10, sample 1: k ≥ 10 (Stirling branch)
    const res = await checkGradients(
      gpu,
      ([p]) => ptychoLoss(gpu, p, gpu.tensor(shape, 'f32', obs), gpu.tensor([2], 'f32', S), 'poisson'),
      [{ shape, data: randomArray(18, 12, 0.5, 1.5) }],
      { eps: 1e-3, samples: 18, indices: [Array.from({ length: 18 }, (_, i) => i)], atol: 1e-2, rtol: 2e-3 },
    );
    expect(res.worstRatio, res.message).toBeLessThanOrEqual(1);
  });
});

describe('supervised L1 term', () => {
  it('equals mean|p − t| in float64 and its gradient equals finite differences', async () => {
    const gpu = await getTestGpu();
    const p = randomArray(40, 31),
      t = randomArray(40, 32);
    const v = await gpu.tidyAsync(async () =>
      gpu.read(l1Loss(gpu, gpu.tensor([40], 'f32', p), gpu.tensor([40], 'f32', t))),
    );
    const ref = p.reduce((s, x, i) => s + Math.abs(x - t[i]), 0) / 40;
    expect(Math.abs(v[0] - ref)).toBeLessThan(1e-6);
    const res = await checkGradients(
      gpu,
      ([x]) => l1Loss(gpu, x, gpu.tensor([40], 'f32', t)),
      [{ shape: [40], data: p }],
      { eps: 1e-3, samples: 10, atol: 1e-4, rtol: 1e-3 },
    );
    expect(res.worstRatio, res.message).toBeLessThanOrEqual(1);
  });
});
