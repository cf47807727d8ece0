/**
 * `bench --train --profile`: where one training step of a preset goes — dispatch count, GPU time per op kind
 * (src/gpu/profiler.ts: timestamp queries where the adapter has them, one timed submission per dispatch where not),
 * read-backs, the step's FLOPs (counted by the conv2d and FFT ops) and, with the FMA peak measured in the same run,
 * the unprofiled step's fraction of that peak.
 */
import type { Gpu } from '../src/gpu/runtime';
import { Adam } from '../src/gpu/ops/adam';
import { DispatchProfiler } from '../src/gpu/profiler';
import { Tape } from '../src/gpu/tape';
import type { SpectralGeneratorSpec } from '../src/model/fnoGenerators';
import { PtychoPINN } from '../src/model/ptychopinn';
import { groupScan } from '../src/pipeline/container';
import { toRawData } from '../src/pipeline/contract';
import { simulateDataset } from '../src/pipeline/simulate';
import { SPECTRAL_SMALL } from './spectralShape';

export interface StepPreset {
  name: string;
  N: 32 | 64 | 128;
  nFiltersScale: number;
  gridsize: number;
  batch: number;
  cbam: boolean;
  /** A spectral generator instead of the CNN (specs/generators.md); N and C follow from the preset. */
  spectral?: Omit<SpectralGeneratorSpec, 'N' | 'C'>;
}

const ffno = (width: number, blocks: number, modes: number, cnnBlocks: number): StepPreset['spectral'] => ({
  architecture: 'ffno',
  width,
  blocks,
  modes,
  cnnBlocks,
  inputTransform: 'none',
  outputMode: 'real_imag',
});

const SMALL = { N: 32, nFiltersScale: 0.25, gridsize: 2, batch: 8, cbam: false } as const;
const S = SPECTRAL_SMALL;

/** Presets to profile: the CI training preset, the reference's shapes and the spectral generators. */
export const STEP_PRESETS: Record<string, StepPreset> = {
  ci: { name: 'CI preset', N: 32, nFiltersScale: 0.25, gridsize: 1, batch: 8, cbam: false },
  small: { name: 'small preset', ...SMALL },
  n64s1: { name: 'N 64 · scale 1', N: 64, nFiltersScale: 1, gridsize: 1, batch: 16, cbam: true },
  n64s2: { name: 'Ptychodus default', N: 64, nFiltersScale: 2, gridsize: 1, batch: 16, cbam: true },
  n64s1g2: { name: 'N 64 · scale 1 · gridsize 2', N: 64, nFiltersScale: 1, gridsize: 2, batch: 16, cbam: true },
  n128s2: { name: 'N 128 · scale 2', N: 128, nFiltersScale: 2, gridsize: 1, batch: 16, cbam: true },
  'ffno-small': {
    ...SMALL,
    name: 'FFNO, small preset shape (width 16, 2 blocks, 8 modes)',
    spectral: ffno(S.width, S.blocks, S.modes, S.cnnBlocks),
  },
  'fno-small': {
    ...SMALL,
    name: 'FNO, small preset shape (width 16, 2 blocks, 8 modes)',
    spectral: { ...ffno(S.width, S.blocks, S.modes, S.cnnBlocks)!, architecture: 'fno' },
  },
  'fno_vanilla-small': {
    ...SMALL,
    name: 'constant-resolution FNO, small preset shape',
    spectral: { ...ffno(S.width, S.blocks, S.modes, S.cnnBlocks)!, architecture: 'fno_vanilla' },
  },
  'ffno-n64': {
    name: 'FFNO, the reference defaults (N 64, gridsize 2, width 32, 4 blocks, 12 modes)',
    N: 64,
    nFiltersScale: 1,
    gridsize: 2,
    batch: 16,
    cbam: false,
    spectral: ffno(32, 4, 12, 2),
  },
};

/** The PtychoPINN of a bench preset (the same model for the step profile and the throughput runs). */
export function presetModel(gpu: Gpu, p: StepPreset): PtychoPINN {
  return new PtychoPINN(gpu, {
    generator: {
      N: p.N,
      nFiltersScale: p.nFiltersScale,
      cbam: p.cbam,
      probeBig: true,
      ampActivation: 'sigmoid',
    },
    ...(p.spectral ? { spectral: { ...p.spectral, N: p.N, C: p.gridsize * p.gridsize } } : {}),
    gridsize: p.gridsize,
    objectBig: true,
    probeScale: 4,
    probeMask: false,
    lossMode: 'poisson',
  });
}

/** The op kind of a kernel, from its name. */
export function opKind(kernel: string): string {
  if (/conv/.test(kernel))
    return /grad|bwd|adjoint|transpose|sum_splits|reduce/.test(kernel) ? 'conv backward' : 'conv forward';
  if (/^fft|fftshift/.test(kernel)) return 'FFT';
  if (/diffract|complex|loss|pack2|poisson|mae|physics|probe|intensity/.test(kernel)) return 'physics';
  if (/spectral/.test(kernel)) return 'spectral';
  if (/instance_norm|inorm/.test(kernel)) return 'instance norm';
  if (/cbam|gate|bmul|channel|spatial/.test(kernel)) return 'CBAM';
  if (/adam|sumsq|clip|accumulate|norm/.test(kernel)) return 'optimizer';
  if (/reassemble|translate|stitch|merge|extract|shift/.test(kernel)) return 'translation / reassembly';
  if (/pool|upsample/.test(kernel)) return 'pool / upsample';
  if (/copy|gather|layout|pick|slice|pad|concat/.test(kernel)) return 'copies / layout';
  return 'elementwise';
}

type Step = () => void;
type Cost = { ms: number; dispatches: number };

/** A simulated scan for the preset, a model holding it, Adam, and one training step on a fixed batch. */
function stepSetup(gpu: Gpu, p: StepPreset) {
  const nImages = Math.max(4 * p.batch, 64);
  const raw = toRawData(
    simulateDataset({
      object: 'lines',
      probe: 'default',
      positions: 'random',
      N: p.N,
      nImages,
      objectSize: 3 * p.N,
      seed: 1,
    }),
  );
  const C = p.gridsize * p.gridsize;
  const g = groupScan(raw, { gridsize: p.gridsize, K: C > 1 ? 7 : 4, nGroups: nImages, seed: 1, nphotons: 1e9 });
  const model = presetModel(gpu, p);
  model.setData({
    X: g.X,
    coordsRelative: g.coordsRelative,
    probe: raw.probeGuess.data as Float32Array,
    S: g.physicsScale,
  });
  const adam = new Adam(gpu, model.parameters, { lr: 1e-3 }, model.arena);
  const idx = gpu.keep(
    gpu.tensor(
      [p.batch],
      'f32',
      Float32Array.from({ length: p.batch }, (_, i) => i % g.B),
    ),
  );
  const step = () =>
    gpu.tidy(() => {
      const tape = new Tape(gpu);
      const loss = tape.run(() => model.batchLoss(gpu, idx));
      adam.step(tape.gradients(loss, model.parameters));
    });
  return { model, adam, idx, step };
}

/** The unprofiled step: its time, FLOPs, dispatches and the bind groups and uniform buffers it creates. */
async function timeSteps(gpu: Gpu, step: Step, steps: number) {
  // Unprofiled: the real step time, FLOPs and dispatches per step.
  const f0 = gpu.flops,
    d0 = gpu.dispatches,
    b0 = gpu.created.bindGroups,
    u0 = gpu.created.uniformBuffers;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  await gpu.sync();
  const stepMs = (performance.now() - t0) / steps;
  const flops = (gpu.flops - f0) / steps;
  const dispatches = (gpu.dispatches - d0) / steps;
  const newBindGroups = (gpu.created.bindGroups - b0) / steps;
  const newUniforms = (gpu.created.uniformBuffers - u0) / steps;
  return { stepMs, flops, dispatches, newBindGroups, newUniforms };
}

/** Bytes of one step: the trainer's state, the saved activations and the step's peak. */
async function stepMemory(gpu: Gpu, { model, adam, idx }: ReturnType<typeof stepSetup>) {
  // Memory of one step: saved activations (what the forward pass leaves alive for the backward pass) and the
  // step's peak, against the state any trainer holds (parameters, gradients, two Adam moments).
  let paramBytes = 0;
  for (const t of model.parameters) paramBytes += t.byteLength;
  const stateBytes = 4 * paramBytes;
  const base = gpu.pool.stats().inUseBytes; // parameters, moments, the resident dataset, the batch indices
  gpu.pool.resetPeak();
  let activationBytes = 0;
  gpu.tidy(() => {
    const tape = new Tape(gpu);
    const loss = tape.run(() => model.batchLoss(gpu, idx));
    activationBytes = gpu.pool.stats().inUseBytes - base;
    adam.step(tape.gradients(loss, model.parameters));
  });
  await gpu.sync();
  // The step's working set on top of what was resident, plus the parameters and moments it works on.
  const peakStepBytes = gpu.pool.stats().peakInUseBytes - base + 3 * paramBytes;
  return { stateBytes, activationBytes, peakStepBytes };
}

/** One step with every dispatch timed on its own. */
async function profiledStep(gpu: Gpu, step: Step) {
  const prof = new DispatchProfiler(gpu.device);
  gpu.profiler = prof;
  try {
    step();
    await gpu.sync();
  } finally {
    gpu.profiler = null;
  }
  return prof.finish();
}

/** GPU time by op kind and by kernel, as tables sorted by time with each row's share of the profiled step. */
function breakdown(dispatches: { kernel: string; ms: number }[]) {
  const byKind = new Map<string, Cost>();
  const byKernel = new Map<string, Cost>();
  for (const d of dispatches) {
    for (const [m, k] of [
      [byKind, opKind(d.kernel)],
      [byKernel, d.kernel],
    ] as const) {
      const e = m.get(k) ?? { ms: 0, dispatches: 0 };
      e.ms += d.ms;
      e.dispatches++;
      m.set(k, e);
    }
  }
  const profiledMs = dispatches.reduce((a, d) => a + d.ms, 0);
  const table = (m: Map<string, Cost>, top = 100) =>
    [...m.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, top)
      .map(([k, v]) => ({
        op: k,
        dispatches: v.dispatches,
        ms: +v.ms.toFixed(2),
        share: +(v.ms / profiledMs).toFixed(3),
      }));
  return { profiledMs, byKind: table(byKind), topKernels: table(byKernel, 12) };
}

export async function profileStep(
  gpu: Gpu,
  p: StepPreset,
  peakGflops: number,
  steps = 3,
): Promise<Record<string, unknown>> {
  const setup = stepSetup(gpu, p);
  setup.step();
  await gpu.sync();
  const { stepMs, flops, dispatches, newBindGroups, newUniforms } = await timeSteps(gpu, setup.step, steps);
  const { stateBytes, activationBytes, peakStepBytes } = await stepMemory(gpu, setup);
  const r = await profiledStep(gpu, setup.step);
  setup.idx.dispose();
  setup.model.dispose();
  const { profiledMs, byKind, topKernels } = breakdown(r.dispatches);
  const gflops = flops / (stepMs / 1000) / 1e9;
  return {
    preset: p,
    step_ms: +stepMs.toFixed(1),
    patterns_per_second: +((p.batch * 1000) / stepMs).toFixed(2),
    dispatches_per_step: dispatches,
    new_bind_groups_per_step: newBindGroups,
    new_uniform_buffers_per_step: newUniforms,
    gflop_per_step: +(flops / 1e9).toFixed(3),
    gflops: +gflops.toFixed(3),
    fraction_of_peak: +(gflops / peakGflops).toFixed(4),
    memory_mb: {
      parameters_gradients_moments: +(stateBytes / 1e6).toFixed(2),
      saved_activations: +(activationBytes / 1e6).toFixed(2),
      step_peak: +(peakStepBytes / 1e6).toFixed(2),
      peak_over_state_plus_activations: +(peakStepBytes / (stateBytes + activationBytes)).toFixed(3),
    },
    profile_method: r.method,
    profiled_step_ms: +profiledMs.toFixed(1),
    readbacks_per_step: r.readbacks,
    by_kind: byKind,
    top_kernels: topKernels,
  };
}

/** Human-readable rendering of a profile (the JSON stays the record). */
export function formatProfile(r: Record<string, unknown>): string {
  const p = r.preset as StepPreset;
  const lines = [
    `${p.name}: N ${p.N} · scale ${p.nFiltersScale} · gridsize ${p.gridsize} · batch ${p.batch}${p.cbam ? ' · CBAM' : ''}`,
    `  step ${r.step_ms} ms (${r.patterns_per_second} patterns/s), ${r.dispatches_per_step} dispatches (new per step: ${r.new_bind_groups_per_step} bind groups, ${r.new_uniform_buffers_per_step} uniform buffers), ${r.gflop_per_step} GFLOP → ${r.gflops} GFLOP/s = ${(100 * (r.fraction_of_peak as number)).toFixed(1)} % of the FMA peak; ${r.readbacks_per_step} read-backs`,
    `  memory: step peak ${(r.memory_mb as Record<string, number>).step_peak} MB = ${(r.memory_mb as Record<string, number>).peak_over_state_plus_activations}× (parameters + gradients + Adam moments ${(r.memory_mb as Record<string, number>).parameters_gradients_moments} MB + saved activations ${(r.memory_mb as Record<string, number>).saved_activations} MB)`,
    `  profiled (${r.profile_method}, serialised): ${r.profiled_step_ms} ms`,
  ];
  for (const k of r.by_kind as { op: string; dispatches: number; ms: number; share: number }[])
    lines.push(
      `    ${k.op.padEnd(26)} ${String(k.dispatches).padStart(5)} dispatches ${k.ms.toFixed(1).padStart(9)} ms ${(100 * k.share).toFixed(1).padStart(5)} %`,
    );
  return lines.join('\n');
}
