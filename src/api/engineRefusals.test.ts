// Tests of the engine's state refusals (src/api/engineState.ts, engine.ts; specs/architecture.md §3 "Errors"): a
// call that needs a scan, a model or a reconstruction throws its own code ('no-dataset', 'no-model', 'no-result'),
// not 'cli-usage', and before any GPU work (this engine has no GPU: a GPU step would throw 'gpu-unavailable').
import { describe, expect, it } from 'vitest';
import { PtychoError } from '../errors';
import { thrownPtychoError } from '../testing/thrown';
import { Engine } from './engine';

/** An engine without a GPU, as `Engine.create({ allowNoGpu: true })` makes where WebGPU is missing. */
class NoGpuEngine extends Engine {
  constructor() {
    super(null, new PtychoError('gpu-unavailable', 'no GPU in this test', ''));
  }
}

const rejection = async (p: Promise<unknown>): Promise<PtychoError> => {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(PtychoError);
  return e as PtychoError;
};

describe('engine state refusals', () => {
  it('without a dataset: preview, export, train, reconstruct and solve throw no-dataset', async () => {
    const e = new NoGpuEngine();
    const err = thrownPtychoError(() => e.datasetPreview(), 'no-dataset');
    expect(err.message).toBe('no dataset is loaded');
    expect(err.hint).toMatch(/load a scan/);
    expect(err.isUserError).toBe(true); // the CLI exits 2
    thrownPtychoError(() => e.exportTrainingData(), 'no-dataset');
    expect((await rejection(e.train())).code).toBe('no-dataset');
    expect((await rejection(e.evaluateLoss())).code).toBe('no-dataset');
    expect((await rejection(e.reconstruct())).code).toBe('no-dataset');
    expect((await rejection(e.solve())).code).toBe('no-dataset');
  });

  it('without a model or a reconstruction: no-model and no-result', async () => {
    const e = new NoGpuEngine();
    expect((await rejection(e.saveModel())).code).toBe('no-model');
    expect((await rejection(e.previewReconstruction())).code).toBe('no-model');
    thrownPtychoError(() => e.reconstructionProduct(), 'no-result');
  });
});
