// Engine (src/api/engine.ts) on the GPU: exact resume from a checkpoint, live previews within their budget, and a
// model that does not fit the scan refused with the scan and the current model kept.
import { describe, expect, it } from 'vitest';
import { makeTrainingConfig } from '../config/schema';
import { writeNpz } from '../pipeline/npz';
import { CI_MODEL, linesScan } from '../testing/fixtures';
import { checkpointToArchive, type TrainingCheckpoint } from './checkpoint';
import { Engine } from './engine';
import { complexPreview } from './previews';

const scan = writeNpz(linesScan({ nImages: 12, objectSize: 64, seed: 4 }));
const cfg = makeTrainingConfig({
  nepochs: 3,
  batch_size: 4,
  n_groups: 8,
  validation_fraction: 0.25,
  learning_rate: 3e-3,
  seed: 9,
  model: CI_MODEL,
});

describe('Engine: checkpoints, exact resume, live preview', () => {
  it('a run resumed from its epoch-1 checkpoint ends with the same weights, Adam state and history as the run that never stopped', async () => {
    const a = await Engine.create();
    await a.loadDataset(scan, 'scan.npz');
    a.setConfig(cfg);
    const checkpoints: TrainingCheckpoint[] = [];
    const r = await a.train({ onCheckpoint: (k) => void checkpoints.push(k) });
    expect(r.status).toBe('completed');
    expect(checkpoints.map((k) => k.epoch)).toEqual([0, 1, 2]);
    const full = await a.model!.stateDict();
    const k0 = checkpoints[0];
    expect(k0.adam.t).toBe(2); // 6 training groups / batch 4 → 2 steps per epoch
    expect(k0.history.length).toBe(1);
    expect(k0.dataset.sha256).toBe(a.dataset!.sha256);

    const b = await Engine.create();
    await b.loadDataset(scan, 'scan.npz');
    const r2 = await b.train({ resume: k0 });
    expect(r2.status).toBe('completed');
    expect(r2.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(b.history.map((e) => e.trainLoss)).toEqual(a.history.map((e) => e.trainLoss));
    const resumed = await b.model!.stateDict();
    for (const [name, v] of full) expect(Array.from(resumed.get(name)!), name).toEqual(Array.from(v));

    // The checkpoint exported as a model archive opens with exactly its weights.
    const c = await Engine.create();
    c.openModel(checkpointToArchive(checkpoints[2]), 'ckpt.zip');
    const opened = await c.model!.stateDict();
    for (const w of checkpoints[2].weights) expect(Array.from(opened.get(w.name)!), w.name).toEqual(Array.from(w.data));
    expect(c.history.length).toBe(3);

    // A checkpoint of another scan is refused by name.
    const other = writeNpz(linesScan({ nImages: 12, objectSize: 64, seed: 5 }));
    await c.loadDataset(other, 'other.npz');
    await expect(c.train({ resume: k0 })).rejects.toThrow(/trained on scan\.npz .* but the loaded scan is other\.npz/);
    for (const e of [a, b, c]) e.destroy();
  });

  it('live previews are throttled to the budget and equal the full reconstruction reduced on the CPU', async () => {
    const e = await Engine.create();
    await e.loadDataset(scan, 'scan.npz');
    e.setConfig({ ...cfg, nepochs: 2 });
    const previews: number[] = [];
    const r = await e.train({
      onPreview: (p) => void previews.push(p.overhead),
      previewBudget: 0.5,
      previewMinIntervalS: 0,
    });
    expect(previews.length).toBeGreaterThan(0);
    expect(r.preview.count).toBe(previews.length);
    expect(r.preview.overhead).toBeGreaterThan(0);
    expect(r.preview.overhead).toBeLessThan(0.75);
    // The preview is the plain stitch (aligning the groups' phases needs every patch on the CPU).
    const full = await e.reconstruct({ alignPhases: false });
    const { width: W, height: H, object } = full.image;
    const maxSide = Math.ceil(Math.max(W, H) / 2);
    const p = await e.previewReconstruction(maxSide);
    const ref = complexPreview({ dtype: 'c64', shape: [H, W], data: object }, maxSide);
    expect(p.factor).toBe(2);
    expect([p.width, p.height]).toEqual([ref.amplitude.width, ref.amplitude.height]);
    let worst = 0,
      scale = 0;
    for (let i = 0; i < p.amplitude.length; i++) {
      worst = Math.max(worst, Math.abs(p.amplitude[i] - ref.amplitude.data[i]));
      scale = Math.max(scale, ref.amplitude.data[i]);
    }
    expect(worst).toBeLessThan(1e-5 * Math.max(1, scale));
    e.destroy();
  });

  it('a model whose N does not fit the scan is refused; the scan and the current model stay', async () => {
    const { readFileSync } = await import('node:fs');
    const e = await Engine.create();
    await e.loadDataset(scan, 'scan.npz');
    e.setConfig({ ...cfg, nepochs: 1 });
    await e.train();
    const before = e.modelInfo;
    expect(() =>
      e.openModel(
        new Uint8Array(readFileSync(new URL('../../tests/fixtures/torch/wts_n64_s1_gs1.h5.zip', import.meta.url))),
        'wts.h5.zip',
      ),
    ).toThrow(/expects 64×64 patterns but the loaded scan scan\.npz has 32×32/);
    expect(e.dataset!.fileName).toBe('scan.npz');
    expect(e.modelInfo).toBe(before);
    expect(Engine.fileKind(scan)).toBe('dataset');
    expect(Engine.fileKind(await e.saveModel())).toBe('model-native');
    expect(
      Engine.fileKind(
        new Uint8Array(readFileSync(new URL('../../tests/fixtures/torch/wts_n64_s1_gs1.h5.zip', import.meta.url))),
      ),
    ).toBe('model-torch');
    e.destroy();
  });
});
