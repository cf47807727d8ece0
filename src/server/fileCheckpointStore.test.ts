/** FileCheckpointStore: round trip through the data dir, atomic writes, named refusals of damaged files. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type TrainingCheckpoint } from '../api/checkpoint';
import { makeTrainingConfig } from '../config/schema';
import { PtychoError } from '../errors';
import { CHECKPOINT_FILE, DATASET_FILE, FileCheckpointStore } from './fileCheckpointStore';

function checkpoint(epoch = 1, sha256 = 'abc123'): TrainingCheckpoint {
  return {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    createdAt: '2025-01-01T00:00:00.000Z',
    dataset: { fileName: 'scan.npz', sha256, nPatterns: 12, N: 32 },
    config: makeTrainingConfig({ nepochs: 3, model: { N: 32 } }),
    epoch,
    weights: [{ name: 'enc.w', shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, NaN]) }],
    adam: { m: [new Float32Array([0.5, 0.25])], v: [new Float32Array([1e-8, 2e-8])], t: 4 },
    history: [{ epoch: 0, trainLoss: 1.5, valLoss: null, learningRate: 1e-3, seconds: 2, patternsPerSecond: 10 }],
    physicsScale: 7.5,
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ppw-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('FileCheckpointStore', () => {
  it('round trip: checkpoint and scan come back equal; info summarises; clear empties the folder', async () => {
    const store = new FileCheckpointStore(join(dir, 'data'));
    expect(await store.load()).toBeNull();
    expect(await store.info()).toBeNull();
    const scan = new Uint8Array([9, 8, 7, 6, 5]);
    await store.save(checkpoint(1), scan);
    expect(readdirSync(join(dir, 'data')).sort()).toEqual([CHECKPOINT_FILE, DATASET_FILE].sort()); // no temp files left
    const got = await store.load();
    expect(got).not.toBeNull();
    const k = got!.checkpoint;
    expect(k.epoch).toBe(1);
    expect(k.weights[0].data).toBeInstanceOf(Float32Array);
    expect(Array.from(k.weights[0].data)).toEqual([1, 2, 3, 4, 5, NaN]);
    expect(Array.from(k.adam.v[0])).toEqual(Array.from(new Float32Array([1e-8, 2e-8])));
    expect(k.config).toEqual(checkpoint().config);
    expect(k.history).toEqual(checkpoint().history);
    expect(Array.from(got!.datasetBytes!)).toEqual([9, 8, 7, 6, 5]);
    const info = await store.info();
    expect([info!.epochsDone, info!.epochs, info!.lastTrainLoss, info!.datasetFileName]).toEqual([
      2,
      3,
      1.5,
      'scan.npz',
    ]);

    // A later checkpoint without scan bytes keeps the stored scan; a different scan's checkpoint does not match it.
    await store.save(checkpoint(2));
    expect((await store.load())!.checkpoint.epoch).toBe(2);
    expect((await store.load())!.datasetBytes).not.toBeNull();
    await store.save(checkpoint(0, 'other'));
    expect((await store.load())!.datasetBytes).toBeNull();

    await store.clear();
    expect(await store.load()).toBeNull();
    expect(readdirSync(join(dir, 'data'))).toEqual([]);
  });

  it('a damaged checkpoint file is refused with a storage error naming the file and the fix', async () => {
    const store = new FileCheckpointStore(dir);
    writeFileSync(join(dir, CHECKPOINT_FILE), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    const err = await store.load().catch((e) => e);
    expect(err).toBeInstanceOf(PtychoError);
    expect(err.code).toBe('storage');
    expect(err.message).toContain(join(dir, CHECKPOINT_FILE));
    expect(err.message).toMatch(/damaged/);
    expect(err.hint).toMatch(/delete .*checkpoint\.ppw.*train again/);
    await expect(store.info()).rejects.toMatchObject({ code: 'storage' });
  });

  it('a well-formed frame that is not a checkpoint, and a truncated checkpoint, are refused by name', async () => {
    const store = new FileCheckpointStore(dir);
    const { encodeMessage } = await import('../worker/wire');
    writeFileSync(join(dir, CHECKPOINT_FILE), encodeMessage({ format: 'something-else' }));
    await expect(store.load()).rejects.toMatchObject({
      code: 'storage',
      message: expect.stringMatching(/checkpoint\.ppw: not a PtychoPINN Web training checkpoint/),
    });
    const whole = encodeMessage(checkpoint());
    writeFileSync(join(dir, CHECKPOINT_FILE), whole.subarray(0, whole.length - 3));
    await expect(store.load()).rejects.toMatchObject({
      code: 'storage',
      message: expect.stringMatching(/checkpoint\.ppw: damaged/),
    });
  });

  it('a failed write is a storage error naming the file, and leaves the previous checkpoint and no temp file', async () => {
    const store = new FileCheckpointStore(dir);
    await store.save(checkpoint(1), new Uint8Array([1]));
    store.injectFault('ENOSPC');
    const err = await store.save(checkpoint(2)).catch((e) => e);
    expect(err).toMatchObject({ code: 'storage' });
    expect(err.message).toContain(join(dir, CHECKPOINT_FILE));
    expect(err.hint).toMatch(/disk is full/);
    store.injectFault(null);
    expect((await store.load())!.checkpoint.epoch).toBe(1);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
