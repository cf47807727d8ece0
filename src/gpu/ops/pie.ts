/**
 * The iterative solver's GPU steps (WGSL in src/gpu/shaders/pie.wgsl), used by src/solver/solver.ts: extraction of
 * a batch of lit object patches, the Fourier-modulus step, and the object, probe and position updates from the
 * exit-wave change Δψ. Raw ops (no tape): the solver's updates are closed-form, not autodiff.
 */
import pieWgsl from '../shaders/pie.wgsl?raw';
import type { Gpu } from '../runtime';
import { kernelFamily } from '../kernelDecl';
import type { Tensor } from '../tensor';

const C = { access: 'rw', type: 'array<vec2<f32>>' } as const;
const CR = { access: 'read', type: 'array<vec2<f32>>' } as const;
const U = { access: 'read', type: 'array<u32>' } as const;
const params = {
  N: 'u32',
  B: 'u32',
  H: 'u32',
  W: 'u32',
  tilesX: 'u32',
  poisson: 'u32',
  eps: 'f32',
  step: 'f32',
  alpha: 'f32',
  maxShift: 'f32',
} as const;
const kernel = kernelFamily({
  prefix: 'pie_',
  params,
  bindings: {
    obj: C, // (H, W) object canvas
    probe: C, // (N, N)
    pos: C, // (n) canvas positions (x, y)
    batch: U, // (B) scan indices
    opatch: C, // (B, N, N) object patches
    psi: C, // (B, N, N) exit waves
    fourier: C, // (B, N, N) transform, replaced by its change D
    modulus: 'read', // (n, N, N) measured |FFT|, unshifted
    err: 'rw', // (3n) per-pattern sums
    dpsi: CR, // (B, N, N) exit-wave change
    tileStart: U,
    tileList: U,
    stats: 'rw', // [max |P|², Σ |P|²]
    acc: { access: 'rw', type: 'array<vec4<f32>>' }, // (N, N) probe-update sums
    shift: C, // (B) position steps
    previous: C, // (H, W) the object at the last iteration's end (momentum)
    velocity: C, // (H, W) momentum
  },
  code: pieWgsl,
  workgroupSize: 64,
});
const EXTRACT = kernel(
  'extract',
  { N: 'u32', B: 'u32', H: 'u32', W: 'u32' },
  { obj: 'rw', probe: 'rw', pos: 'rw', batch: 'read', opatch: 'rw', psi: 'rw' },
  (p) => p.B * p.N * p.N,
);
const PROJECT = kernel(
  'project',
  { N: 'u32', B: 'u32', poisson: 'u32', eps: 'f32' },
  { batch: 'read', fourier: 'rw', modulus: 'read', err: 'rw' },
  undefined,
  { workgroupSize: 64 },
);
const OBJECT_UPDATE = kernel(
  'object_update',
  { N: 'u32', H: 'u32', W: 'u32', tilesX: 'u32', step: 'f32', alpha: 'f32' },
  { obj: 'rw', probe: 'rw', pos: 'rw', batch: 'read', dpsi: 'read', tileStart: 'read', tileList: 'read', stats: 'rw' },
  undefined,
  { workgroupSize: [16, 16] },
);
const PROBE_ACCUMULATE = kernel(
  'probe_accumulate',
  { N: 'u32', B: 'u32' },
  { opatch: 'rw', dpsi: 'read', acc: 'rw' },
  (p) => p.N * p.N,
);
const PROBE_APPLY = kernel(
  'probe_apply',
  { N: 'u32', step: 'f32', alpha: 'f32' },
  { probe: 'rw', acc: 'rw', stats: 'rw' },
  undefined,
  { workgroupSize: 256 },
);
const POSITION_STEP = kernel(
  'position_step',
  { N: 'u32', B: 'u32', H: 'u32', W: 'u32', step: 'f32', maxShift: 'f32' },
  { obj: 'rw', probe: 'rw', pos: 'rw', batch: 'read', dpsi: 'read', shift: 'rw' },
  'B',
);
const MOMENTUM = kernel(
  'momentum',
  { H: 'u32', W: 'u32', step: 'f32' },
  { obj: 'rw', previous: 'rw', velocity: 'rw' },
  (p) => p.H * p.W,
);
const POSITION_APPLY = kernel('position_apply', { B: 'u32' }, { pos: 'rw', batch: 'read', shift: 'rw' }, 'B');

/** The solver's resident state: canvas, probe, positions, measured moduli, per-pattern error sums, probe stats. */
export interface PieState {
  obj: Tensor;
  probe: Tensor;
  pos: Tensor;
  modulus: Tensor;
  err: Tensor;
  stats: Tensor;
  /** (N, N, 4) probe-update sums. */
  acc: Tensor;
}

/** One batch's scratch: indices, patches, exit waves, Δψ, position steps. */
export interface PieBatch {
  B: number;
  batch: Tensor;
  patch: Tensor;
  psi: Tensor;
  dpsi: Tensor;
  shift: Tensor;
}

function dimsOf(s: PieState) {
  const [H, W] = s.obj.shape;
  return { N: s.probe.shape[0], H, W };
}

function workgroupsFor(n: number): [number, number, number] {
  return [Math.min(n, 65535), Math.ceil(n / 65535), 1];
}

/** patch_b = O sampled at position batch[b]; psi_b = P · patch_b. */
export function pieExtract(gpu: Gpu, s: PieState, b: PieBatch): void {
  gpu.run(
    EXTRACT,
    { obj: s.obj, probe: s.probe, pos: s.pos, batch: b.batch, opatch: b.patch, psi: b.psi },
    { ...dimsOf(s), B: b.B },
  );
}

/** In place on `fourier` (the batch's unshifted transforms): F ← the modulus step's change; per-pattern error sums. */
export function pieProject(gpu: Gpu, s: PieState, b: PieBatch, fourier: Tensor, loss: 'amplitude' | 'poisson'): void {
  const { N } = dimsOf(s);
  gpu.run(
    PROJECT,
    { batch: b.batch, fourier, modulus: s.modulus, err: s.err },
    { N, B: b.B, poisson: loss === 'poisson' ? 1 : 0, eps: 1e-12 },
    workgroupsFor(b.B),
  );
}

/** Tile lists of a batch for the object update (src/solver/tiles.ts). */
export interface BatchTiles {
  tilesX: number;
  tiles: number;
  start: Tensor;
  list: Tensor;
}

/** O += step · Σ conj(P)Δψ / ((1 − α)·Σ|P|² + α·max|P|²) over the batch's footprints. */
export function pieObjectUpdate(
  gpu: Gpu,
  s: PieState,
  b: PieBatch,
  tiles: BatchTiles,
  o: { step: number; alpha: number },
): void {
  gpu.run(
    OBJECT_UPDATE,
    {
      obj: s.obj,
      probe: s.probe,
      pos: s.pos,
      batch: b.batch,
      dpsi: b.dpsi,
      tileStart: tiles.start,
      tileList: tiles.list,
      stats: s.stats,
    },
    { ...dimsOf(s), tilesX: tiles.tilesX, step: o.step, alpha: o.alpha },
    workgroupsFor(tiles.tiles),
  );
}

/**
 * P += step · Σ conj(O_b)Δψ_b / ((1 − α)·Σ|O_b|² + α·max) over the batch (step 0: no update), then stats =
 * [max |P|², Σ |P|²].
 */
export function pieProbeUpdate(gpu: Gpu, s: PieState, b: PieBatch | null, o: { step: number; alpha: number }): void {
  const { N } = dimsOf(s);
  const step = b ? o.step : 0;
  if (b && step !== 0) gpu.run(PROBE_ACCUMULATE, { opatch: b.patch, dpsi: b.dpsi, acc: s.acc }, { N, B: b.B });
  gpu.run(PROBE_APPLY, { probe: s.probe, acc: s.acc, stats: s.stats }, { N, step, alpha: o.alpha }, [1, 1, 1]);
}

/** The batch's least-squares position steps (clamped to ±maxShift px), computed before the object update. */
export function piePositionStep(gpu: Gpu, s: PieState, b: PieBatch, o: { step: number; maxShift: number }): void {
  gpu.run(
    POSITION_STEP,
    { obj: s.obj, probe: s.probe, pos: s.pos, batch: b.batch, dpsi: b.dpsi, shift: b.shift },
    { ...dimsOf(s), B: b.B, step: o.step, maxShift: o.maxShift },
  );
}

/** pos[batch[b]] += shift[b]. */
export function piePositionApply(gpu: Gpu, s: PieState, b: PieBatch): void {
  gpu.run(POSITION_APPLY, { pos: s.pos, batch: b.batch, shift: b.shift }, { B: b.B });
}

/** Momentum over iterations (mPIE): v ← η·v + (O − O_prev), O ← O + η·v, O_prev ← O. */
export function pieMomentum(
  gpu: Gpu,
  s: Pick<PieState, 'obj'>,
  m: { previous: Tensor; velocity: Tensor; eta: number },
): void {
  const [H, W] = s.obj.shape;
  gpu.run(MOMENTUM, { obj: s.obj, previous: m.previous, velocity: m.velocity }, { H, W, step: m.eta });
}
