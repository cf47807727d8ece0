import { describe, expect, it } from 'vitest';
import type { Gpu } from '../gpu/runtime';
import type { Tensor } from '../gpu/tensor';
import { mean } from '../gpu/ops/reduce';
import { mul, sub, scale } from '../gpu/ops/elementwise';
import { gatherRows } from '../gpu/ops/gather';
import { compare, getTestGpu } from '../testing/gpu';
import { splitTrainVal, TrainingRun, type TrainableModel } from './train';

/** Toy model: loss = mean((w − target)²)·k, optimum w = target. `poison` makes the loss NaN from a given call on. */
function toyModel(
  gpu: Gpu,
  target: number[],
  opts: { poisonAfter?: number } = {},
): TrainableModel & { w: Tensor; calls: number } {
  const w = gpu.keep(gpu.tensor([target.length], 'f32', new Float32Array(target.length)));
  w.requiresGrad = true;
  const t = gpu.keep(gpu.tensor([target.length], 'f32', target));
  const m = {
    w,
    calls: 0,
    parameters: [w],
    parameterNames: ['w'],
    batchLoss(g: Gpu, _idx: Tensor) {
      m.calls++;
      const d = sub(g, w, t);
      const l = mean(g, mul(g, d, d));
      return opts.poisonAfter !== undefined && m.calls > opts.poisonAfter ? scale(g, l, NaN) : l;
    },
  };
  return m;
}

describe('training loop', () => {
  it('Adam converges on a quadratic; epoch events carry finite losses and validation', async () => {
    const gpu = await getTestGpu();
    const model = toyModel(gpu, [0.5, -0.25, 0.75]);
    const { train, val } = splitTrainVal(40, 0.25, 1);
    expect(train.length + val.length).toBe(40);
    expect(new Set([...train, ...val]).size).toBe(40);
    const run = new TrainingRun(gpu, model, {
      epochs: 30,
      batchSize: 4,
      learningRate: 0.05,
      seed: 1,
      trainIndices: train,
      valIndices: val,
      lossReadIntervalMs: 0,
    });
    const steps: number[] = [];
    run.onStep = (e) => e.loss !== undefined && steps.push(e.loss);
    const res = await run.run();
    expect(res.status).toBe('completed');
    expect(res.epochs.length).toBe(30);
    expect(res.epochs[29].trainLoss).toBeLessThan(res.epochs[0].trainLoss * 1e-3);
    expect(res.epochs[29].valLoss).not.toBeNull();
    expect(steps.length).toBe(30 * 8);
    expect(compare(await gpu.read(model.w), [0.5, -0.25, 0.75], { atol: 2e-2 }, 'w')).toBe('');
  });

  it('a diverging run fails with a clear error and keeps the last good weights on the model', async () => {
    const gpu = await getTestGpu();
    const model = toyModel(gpu, [1, 2], { poisonAfter: 25 }); // epoch 1 (10 steps) is fine, epoch 3 poisons
    const run = new TrainingRun(gpu, model, {
      epochs: 5,
      batchSize: 2,
      learningRate: 0.1,
      seed: 2,
      trainIndices: new Int32Array(20).map((_, i) => i),
      lossReadIntervalMs: 1e9,
    });
    const res = await run.run();
    expect(res.status).toBe('failed');
    expect(res.error).toMatch(/loss became NaN.*restored the last good weights/);
    const good = res.lastGoodWeights!.get('w')!;
    expect(good.every(Number.isFinite)).toBe(true);
    expect(Array.from(await gpu.read(model.w))).toEqual(Array.from(good));
  });

  it('stop() ends the run between steps with status "stopped"', async () => {
    const gpu = await getTestGpu();
    const model = toyModel(gpu, [1]);
    const run = new TrainingRun(gpu, model, {
      epochs: 50,
      batchSize: 1,
      learningRate: 0.01,
      seed: 3,
      trainIndices: new Int32Array(10),
    });
    run.onStep = (e) => {
      if (e.epoch === 1 && e.step === 3) run.stop();
    };
    const res = await run.run();
    expect(res.status).toBe('stopped');
    expect(res.epochs.length).toBe(1);
  });

  it('gatherRows assembles a batch from the resident dataset', async () => {
    const gpu = await getTestGpu();
    const X = Float32Array.from({ length: 5 * 3 }, (_, i) => i);
    const out = await gpu.tidyAsync(async () =>
      gpu.read(gatherRows(gpu, gpu.tensor([5, 3], 'f32', X), gpu.tensor([2], 'f32', [4, 1]))),
    );
    expect(Array.from(out)).toEqual([12, 13, 14, 3, 4, 5]);
  });
});
