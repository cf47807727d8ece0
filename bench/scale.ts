/**
 * Scale checks (`bench --scale`): (1) 10⁴ patterns at N 64 (≈ 164 MB of float32) held as a resident set whose
 * chunks respect WebGPU's default 128 MiB binding limit, trained on batches drawn from every chunk; (2) a
 * 4096 × 4096 object stitched from patches of constant value 1, which must come back 1 wherever a patch covered it.
 */
import type { Gpu } from '../src/gpu/runtime';
import { Rng } from '../src/numerics/random';
import { stitchPatches } from '../src/gpu/ops/stitch';
import { PtychoPINN } from '../src/model/ptychopinn';
import { TrainingRun } from '../src/model/train';
import { groupScan } from '../src/pipeline/container';
import { toRawData } from '../src/pipeline/contract';
import { simulateDataset } from '../src/pipeline/simulate';

const DEFAULT_BINDING_LIMIT = 128 * 1024 * 1024;

/** (1) A large resident set in chunks under the binding limit, trained on batches drawn from every chunk. */
async function residentSet(gpu: Gpu, log: (s: string) => void, nPatterns: number, out: Record<string, unknown>) {
  const N = 64;
  let t0 = performance.now();
  const raw = toRawData(
    simulateDataset({
      object: 'lines',
      probe: 'default',
      positions: 'random',
      N,
      nImages: nPatterns,
      objectSize: 1024,
      seed: 3,
    }),
  );
  const g = groupScan(raw, { gridsize: 1, K: 4, nGroups: nPatterns, seed: 3, nphotons: 1e9 });
  out.simulate_and_group_s = +((performance.now() - t0) / 1000).toFixed(1);
  const model = new PtychoPINN(gpu, {
    generator: { N, nFiltersScale: 0.25, cbam: false, probeBig: true, ampActivation: 'sigmoid' },
    gridsize: 1,
    objectBig: true,
    probeScale: 4,
    probeMask: false,
    lossMode: 'poisson',
  });
  t0 = performance.now();
  model.setData({
    X: g.X,
    coordsRelative: g.coordsRelative,
    probe: raw.probeGuess.data as Float32Array,
    S: g.physicsScale,
    maxChunkBytes: DEFAULT_BINDING_LIMIT,
  });
  out.upload_s = +((performance.now() - t0) / 1000).toFixed(2);
  const set = model.resident!;
  out.dataset_mb = +(g.X.byteLength / 1e6).toFixed(1);
  out.chunks = set.X.chunks.length;
  out.largest_chunk_mb = +(Math.max(...set.X.chunks.map((c) => c.byteLength)) / 1e6).toFixed(1);
  // 64 training patterns spread over the whole set, so every batch reads several chunks.
  const rng = new Rng(5);
  const train = Int32Array.from({ length: 64 }, () => Math.floor(rng.uniform() * g.B));
  const run = new TrainingRun(gpu, model, {
    epochs: 1,
    batchSize: 16,
    learningRate: 1e-3,
    seed: 1,
    trainIndices: train,
    lossReadIntervalMs: 0,
  });
  t0 = performance.now();
  const r = await run.run();
  out.train_steps = 4;
  out.train_s = +((performance.now() - t0) / 1000).toFixed(1);
  out.train_loss = r.epochs[0]?.trainLoss ?? null;
  out.train_status = r.status;
  log(
    `scale: ${nPatterns} patterns at N ${N} (${out.dataset_mb} MB) in ${out.chunks} chunks ≤ ${out.largest_chunk_mb} MB (128 MiB binding limit); 4 steps over batches from every chunk: loss ${Number(out.train_loss).toExponential(3)} (${r.status}), ${out.train_s} s`,
  );
  model.dispose();
}

/** (2) A large object stitched from constant patches whose crops tile it: 1 wherever a patch covered it. */
async function largeStitch(gpu: Gpu, log: (s: string) => void, side: number): Promise<Record<string, unknown>> {
  const N = 64;
  const mt = N / 2;
  const per = Math.ceil(side / mt);
  const P = per * per;
  const positions = new Float64Array(2 * P);
  for (let i = 0; i < per; i++)
    for (let j = 0; j < per; j++) {
      positions[2 * (i * per + j)] = mt / 2 + j * mt;
      positions[2 * (i * per + j) + 1] = mt / 2 + i * mt;
    }
  const probe = new Float32Array(2 * N * N).fill(1);
  const t0 = performance.now();
  const patches = gpu.tensor([P, N, N], 'c64');
  gpu.fill(patches, 1); // re = im = 1: |z| = √2, phase π/4
  const st = stitchPatches(gpu, patches, positions, { method: 'barycentric', weighting: 'probe', probe });
  const obj = await gpu.read(st.object);
  const secs = (performance.now() - t0) / 1000;
  let worst = 0;
  for (let y = 2; y < st.height - 4; y += 7)
    for (let x = 2; x < st.width - 4; x += 7) {
      const k = 2 * (y * st.width + x);
      worst = Math.max(worst, Math.abs(obj[k] - 1), Math.abs(obj[k + 1] - 1));
    }
  const stitch = {
    object: `${st.width}×${st.height}`,
    patches: P,
    seconds: +secs.toFixed(1),
    object_mb: +(st.object.byteLength / 1e6).toFixed(1),
    patches_mb: +(patches.byteLength / 1e6).toFixed(1),
    max_error_interior: worst,
  };
  log(
    `scale: stitched ${st.width}×${st.height} from ${P} patches of ${N}×${N} in ${secs.toFixed(1)} s; interior max |z − (1+i)| ${worst.toExponential(2)}`,
  );
  st.object.dispose();
  st.weights.dispose();
  patches.dispose();
  return stitch;
}

export async function benchScale(
  gpu: Gpu,
  log: (s: string) => void,
  o: { patterns?: number; objectSide?: number } = {},
): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  await residentSet(gpu, log, o.patterns ?? 10_000, out);
  out.stitch = await largeStitch(gpu, log, o.objectSide ?? 4096);
  return out;
}
