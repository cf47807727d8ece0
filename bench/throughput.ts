/**
 * Training and inference (predict every scan position + barycentric stitching) throughput of one preset on a
 * simulated lines scan, with the peak GPU memory the pool saw and the memory the model's state needs.
 */
import type { Gpu } from '../src/gpu/runtime';
import { reconstructObject } from '../src/model/infer';
import { TrainingRun } from '../src/model/train';
import { groupScan } from '../src/pipeline/container';
import { toRawData } from '../src/pipeline/contract';
import { simulateDataset } from '../src/pipeline/simulate';
import { presetModel, type StepPreset } from './profile';

export interface ThroughputOptions {
  /** Patterns trained on (one epoch) and predicted. */
  patterns: number;
  /** Skip training (inference only). */
  inferenceOnly?: boolean;
}

type Out = Record<string, number | string>;

/** A simulated lines scan of `o.patterns` patterns, grouped for the preset, and an untrained model holding it. */
function setUp(gpu: Gpu, p: StepPreset, o: ThroughputOptions) {
  const C = p.gridsize * p.gridsize;
  const raw = toRawData(
    simulateDataset({
      object: 'lines',
      probe: 'default',
      positions: 'random',
      N: p.N,
      nImages: o.patterns,
      objectSize: Math.max(3 * p.N, Math.ceil((Math.sqrt(o.patterns) * p.N) / 4) + 2 * p.N),
      seed: 1,
    }),
  );
  const g = groupScan(raw, {
    gridsize: p.gridsize,
    K: C > 1 ? 7 : 4,
    nGroups: Math.ceil(o.patterns / C),
    seed: 1,
    nphotons: 1e9,
  });
  const model = presetModel(gpu, p);
  const data = {
    X: g.X,
    coordsRelative: g.coordsRelative,
    probe: raw.probeGuess.data as Float32Array,
    S: g.physicsScale,
  };
  model.setData(data);
  return { C, raw, g, model, data };
}

type Setup = ReturnType<typeof setUp>;

/** One epoch over every group: seconds and patterns/s. */
async function timeTraining(gpu: Gpu, p: StepPreset, { C, g, model }: Setup, out: Out): Promise<void> {
  const run = new TrainingRun(gpu, model, {
    epochs: 1,
    batchSize: p.batch,
    learningRate: 1e-3,
    seed: 1,
    trainIndices: Int32Array.from({ length: g.B }, (_, i) => i),
    lossReadIntervalMs: 1e9,
  });
  const t0 = performance.now();
  await run.run();
  const s = (performance.now() - t0) / 1000;
  out.train_seconds = +s.toFixed(2);
  out.train_patterns_per_second = +((g.B * C) / s).toFixed(2);
}

/** Predict every scan position and stitch (after a warm-up on a few groups): seconds, patterns/s and object size. */
async function timeInference(gpu: Gpu, p: StepPreset, { C, raw, g, model, data }: Setup, out: Out): Promise<void> {
  const set = model.residentSet(data);
  const positions = new Float64Array(g.B * C * 2);
  for (let k = 0; k < g.B * C; k++) {
    positions[2 * k] = raw.xcoords[g.nnIndices[k]];
    positions[2 * k + 1] = raw.ycoords[g.nnIndices[k]];
  }
  const stitch = {
    method: 'barycentric' as const,
    weighting: 'probe' as const,
    probe: raw.probeGuess.data as Float32Array,
  };
  // Warm-up (pipelines compiled) on the first few groups, then the timed run over all of them.
  const k = Math.min(g.B, 8);
  const nn = p.N * p.N;
  const warm = model.residentSet({
    ...data,
    X: g.X.subarray(0, k * C * nn),
    coordsRelative: g.coordsRelative.subarray(0, k * C * 2),
  });
  await reconstructObject(gpu, model, warm, positions.subarray(0, k * C * 2), { stitch, batchSize: 64 });
  warm.dispose();
  const t1 = performance.now();
  const img = await reconstructObject(gpu, model, set, positions, { stitch, batchSize: 64 });
  const si = (performance.now() - t1) / 1000;
  out.infer_seconds = +si.toFixed(3);
  out.infer_patterns_per_second = +((g.B * C) / si).toFixed(1);
  out.object = `${img.width}×${img.height}`;
  set.dispose();
}

export async function benchThroughput(gpu: Gpu, p: StepPreset, o: ThroughputOptions): Promise<Out> {
  const setup = setUp(gpu, p, o);
  const { C, g, model } = setup;
  const out: Out = {
    preset: p.name,
    N: p.N,
    n_filters_scale: p.nFiltersScale,
    gridsize: p.gridsize,
    batch: p.batch,
    groups: g.B,
    patterns: g.B * C,
  };
  let paramFloats = 0;
  for (const t of model.parameters) paramFloats += t.size;
  out.parameters = paramFloats;
  if (!o.inferenceOnly) await timeTraining(gpu, p, setup, out);
  await timeInference(gpu, p, setup, out);
  const mem = gpu.memory();
  out.peak_gpu_memory_mb = +(mem.peakInUseBytes / 1e6).toFixed(1);
  // Parameters + gradients + two Adam moments: the floor any trainer needs (activations come on top).
  out.model_state_mb = +((4 * 4 * paramFloats) / 1e6).toFixed(1);
  model.dispose();
  return out;
}
