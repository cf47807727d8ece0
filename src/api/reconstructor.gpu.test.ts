// The Ptychodus reconstructor contract (src/api/reconstructor.ts) end to end on a tiny scan, and the reference's
// PyTorch bundle (wts.h5.zip) opened with its config and CBAM detected.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeTrainingConfig } from '../config/schema';
import { readModelArchive } from '../pipeline/archive/modelArchive';
import { readNpz } from '../pipeline/npz';
import { simulateDataset } from '../pipeline/simulate';
import { CI_MODEL, linesScan, SCAN_NPZ_KEYS } from '../testing/fixtures';
import { Engine } from './engine';
import { PtychoPINNReconstructor, type ReconstructInput } from './reconstructor';

describe('reconstructor API (Ptychodus contract) end to end on a tiny scan', () => {
  it('train → saveModel → openModel → reconstruct yields progress then the product; archive round-trips', async () => {
    const engine = await Engine.create();
    const rec = new PtychoPINNReconstructor(engine);
    const a = linesScan({ nImages: 12, objectSize: 64, seed: 2 });
    const input: ReconstructInput = {
      diffractionPatterns: a.diff3d,
      positionsX: a.xcoords.data as Float64Array,
      positionsY: a.ycoords.data as Float64Array,
      probe: a.probeGuess,
      object: a.objectGuess,
    };
    expect(rec.getName()).toBe('PINN');
    expect(rec.getModelFileFilter()).toBe('Zipped Archive (*.zip)');
    // export_training_data: the same keys Ptychodus writes, readable back.
    const exported = readNpz(rec.exportTrainingData(input));
    expect(Object.keys(exported).sort()).toEqual(SCAN_NPZ_KEYS);
    engine.setConfig(
      makeTrainingConfig({
        nepochs: 2,
        batch_size: 4,
        n_groups: 12,
        validation_fraction: 0.25,
        nphotons: 1e6,
        model: CI_MODEL,
      }),
    );
    const t = await rec.train(rec.exportTrainingData(input));
    expect(t.result).toBe(0);
    expect(t.trainingLoss.length).toBe(2);
    expect(t.validationLoss.length).toBe(2);
    // Validation on a separate test scan (Ptychodus' test_data.npz) instead of a held-out fraction.
    const b = simulateDataset({
      object: 'lines',
      probe: a.probeGuess,
      positions: 'random',
      nImages: 8,
      objectSize: 64,
      seed: 3,
      nphotons: 1e6,
      calibrateProbe: false,
    });
    const tb = await rec.train(
      rec.exportTrainingData(input),
      'train.npz',
      (await import('../pipeline/npz')).writeNpz(b),
    );
    expect(tb.validationLoss.length).toBe(2);
    expect(engine.validation?.summary.nPatterns).toBe(8);
    await engine.loadValidationDataset(null);
    expect(t.trainingLoss.every(Number.isFinite)).toBe(true);
    const bytes = await rec.saveModel();
    const archive = readModelArchive(bytes);
    expect(archive.manifest.backend).toBe('webgpu');
    expect(archive.manifest.datasetSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(archive.params.N).toBe(32);
    expect(archive.history.length).toBe(4); // both training calls continued the same model
    const before = await engine.model!.stateDict();
    // A fresh engine opens the archive and reproduces the weights bit for bit.
    const engine2 = await Engine.create();
    const rec2 = new PtychoPINNReconstructor(engine2);
    rec2.openModel(bytes, 'model.zip');
    const after = await engine2.model!.stateDict();
    for (const [k, v] of before) expect(Array.from(after.get(k)!), k).toEqual(Array.from(v));
    const outs = [];
    for await (const o of rec2.reconstruct(input)) outs.push(o);
    expect(rec2.getProgressGoal()).toBe(12);
    expect(outs.length).toBeGreaterThanOrEqual(2);
    const last = outs[outs.length - 1];
    expect(last.product!.image.object.length).toBe(2 * last.product!.image.width * last.product!.image.height);
    expect(last.product!.metrics!.amplitude.ssim).toBeGreaterThan(-1);
    engine.destroy();
    engine2.destroy();
  });

  it('opens the reference PyTorch bundle (wts.h5.zip): config from params.dill, CBAM detected', async () => {
    const engine = await Engine.create();
    const r = engine.openModel(
      new Uint8Array(readFileSync(new URL('../../tests/fixtures/torch/wts_n64_s1_gs1.h5.zip', import.meta.url))),
      'wts.h5.zip',
    );
    expect(r.kind).toBe('torch');
    expect(r.config.model.N).toBe(64);
    expect(r.config.model.n_filters_scale).toBe(1);
    expect(r.config.model.cbam_encoder).toBe(true);
    expect(engine.model!.parameters.length).toBe(59);
    engine.destroy();
  });
});
