import type { Gpu } from '../src/gpu/kernel';
import { groupScan } from '../src/pipeline/container';
import { toRawData } from '../src/pipeline/contract';
import { simulateDataset } from '../src/pipeline/simulate';
import { PtychoPINN } from '../src/model/ptychopinn';
import { TrainingRun } from '../src/model/train';

/** Training throughput (patterns/s) of PtychoPINN on a simulated lines scan; `quick` = N 32, scale 0.25. */
export async function benchTraining(gpu: Gpu, o: { quick?: boolean } = {}): Promise<Record<string, number | string>> {
  const N = o.quick ? 32 : 64;
  const scale = o.quick ? 0.25 : 2;
  const nImages = o.quick ? 64 : 512;
  const raw = toRawData(simulateDataset({ object: 'lines', probe: 'default', positions: 'random', N, nImages, objectSize: 3 * N, seed: 1 }));
  const g = groupScan(raw, { gridsize: 1, K: 4, nGroups: nImages, seed: 1, nphotons: 1e9 });
  const model = new PtychoPINN(gpu, { generator: { N, C: 1, nFiltersScale: scale, cbam: true, probeBig: true, ampActivation: 'sigmoid' }, gridsize: 1, objectBig: true, probeScale: 4, probeMask: false, M: N, lossMode: 'poisson' });
  model.setData({ X: g.X, coordsRelative: g.coordsRelative, probe: raw.probeGuess.data as Float32Array, S: g.physicsScale });
  const run = new TrainingRun(gpu, model, { epochs: 1, batchSize: 16, learningRate: 1e-3, seed: 1, trainIndices: Int32Array.from({ length: g.B }, (_, i) => i), lossReadIntervalMs: 1e9 });
  const t0 = performance.now();
  const res = await run.run();
  const s = (performance.now() - t0) / 1000;
  model.dispose();
  return { N, n_filters_scale: scale, patterns: g.B, seconds: s, patterns_per_second: g.B / s, final_loss: res.epochs[0]?.trainLoss ?? NaN };
}
