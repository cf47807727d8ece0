/**
 * The iterative physics solver (specs/solver.md): reconstructs the object of a scan from its diffraction amplitudes,
 * positions and probe by batched rPIE-style updates on the GPU (src/gpu/ops/pie.ts), with optional probe and
 * position refinement, from a flat object or from a given one (the network's, "refine after PtychoPINN").
 *
 * Units: the forward model is the scan contract's A = fftshift(|FFT2(P · O_patch)|)/N (src/pipeline/simulate.ts),
 * so the solver matches |FFT2(ψ)| to N·ifftshift(A). The object starts at a global scale that makes its predicted
 * intensity equal the measured one, so a scan whose diffraction and probe are in arbitrary units still converges.
 */
import type { Gpu } from '../gpu/runtime';
import type { Tensor } from '../gpu/tensor';
import { fft2Raw } from '../gpu/ops/fft';
import { complexPreviewGpu, previewFactor } from '../gpu/ops/preview';
import type { PreviewImage } from '../model/infer';
import {
  pieExtract,
  pieMomentum,
  pieObjectUpdate,
  piePositionApply,
  piePositionStep,
  pieProbeUpdate,
  pieProject,
  type PieBatch,
  type PieState,
} from '../gpu/ops/pie';
import { PtychoError } from '../errors';
import { Rng } from '../numerics/random';
import { illumination, resampleOnto } from './canvas';
import { batchTiles } from './tiles';
import type { ObjectImage } from './canvas';
import { SOLVER_DEFAULTS, type IterationEvent, type SolverOptions, type SolverResult, type SolverScan } from './types';

export type { ObjectImage };
export { illumination };
export * from './types';

export class PtychoSolver {
  readonly N: number;
  readonly n: number;
  readonly width: number;
  readonly height: number;
  /** Object pixel [x, y] of canvas pixel (0, 0). */
  readonly origin: [number, number];
  readonly options: SolverOptions;
  readonly history: IterationEvent[] = [];
  private readonly state: PieState;
  private readonly scratch = new Map<number, PieBatch & { fourier: Tensor }>();
  /** Canvas positions, as the GPU has them after the last sync. */
  private pos: Float64Array;
  private readonly pos0: Float64Array;
  private readonly rng: Rng;
  private iteration = 0;
  private momentumState: { previous: Tensor; velocity: Tensor } | null = null;
  private stopped = false;
  private pausedUntil: Promise<void> | null = null;
  private resumePaused: (() => void) | null = null;

  constructor(
    private readonly gpu: Gpu,
    scan: SolverScan,
    opts: Partial<SolverOptions> = {},
  ) {
    this.options = { ...SOLVER_DEFAULTS, ...opts };
    const o = this.options;
    if (!(o.iterations >= 1 && o.batchSize >= 1 && o.objectStep > 0 && o.alpha >= 0 && o.alpha <= 1))
      throw new PtychoError(
        'config',
        `solver options out of range (iterations ${o.iterations}, batch ${o.batchSize}, step ${o.objectStep}, alpha ${o.alpha})`,
        'use iterations ≥ 1, batch size ≥ 1, a positive step and 0 ≤ alpha ≤ 1',
      );
    const N = scan.N;
    const n = scan.x.length;
    const NN = N * N;
    if (scan.diffraction.length !== n * NN || scan.probe.length !== 2 * NN || scan.y.length !== n)
      throw new PtychoError(
        'contract',
        `solver: ${n} positions, ${scan.diffraction.length / NN} patterns of ${N}×${N} and a probe of ${scan.probe.length / 2} pixels do not fit`,
        'give one N×N diffraction pattern per scan position and an N×N probe',
      );
    this.N = N;
    this.n = n;
    let minX = Infinity,
      minY = Infinity,
      maxX = -Infinity,
      maxY = -Infinity;
    for (let p = 0; p < n; p++) {
      minX = Math.min(minX, scan.x[p]);
      maxX = Math.max(maxX, scan.x[p]);
      minY = Math.min(minY, scan.y[p]);
      maxY = Math.max(maxY, scan.y[p]);
    }
    // One pixel of room on every side for bilinear taps and position moves.
    const pad = 1 + Math.ceil(o.refinePositions ? 4 : 0);
    this.origin = [Math.floor(minX - N / 2) - pad, Math.floor(minY - N / 2) - pad];
    this.width = Math.ceil(maxX + N / 2) + pad + 1 - this.origin[0];
    this.height = Math.ceil(maxY + N / 2) + pad + 1 - this.origin[1];
    this.pos = new Float64Array(2 * n);
    for (let p = 0; p < n; p++) {
      this.pos[2 * p] = scan.x[p] - this.origin[0];
      this.pos[2 * p + 1] = scan.y[p] - this.origin[1];
    }
    this.pos0 = this.pos.slice();
    this.rng = new Rng(o.seed);
    const maxBinding = gpu.device.limits.maxStorageBufferBindingSize;
    if (n * NN * 4 > maxBinding)
      throw new PtychoError(
        'config',
        `the scan's ${n} patterns of ${N}×${N} (${((n * NN * 4) / 2 ** 20).toFixed(0)} MiB) exceed this GPU's storage binding limit (${(maxBinding / 2 ** 20).toFixed(0)} MiB)`,
        'solve a part of the scan, or use a GPU with a larger maxStorageBufferBindingSize',
      );
    // |FFT2(ψ)| in the unshifted frame: N · ifftshift(A).
    const modulus = new Float32Array(n * NN);
    const A = scan.diffraction;
    for (let p = 0; p < n; p++)
      for (let i = 0; i < N; i++)
        for (let j = 0; j < N; j++)
          modulus[p * NN + i * N + j] = N * A[p * NN + ((i + N / 2) % N) * N + ((j + N / 2) % N)];
    const keep = (t: Tensor) => gpu.keep(t);
    this.state = {
      obj: keep(gpu.tensor([this.height, this.width], 'c64')),
      probe: keep(gpu.tensor([N, N], 'c64', scan.probe)),
      pos: keep(gpu.tensor([n], 'c64', Float32Array.from(this.pos))),
      modulus: keep(gpu.tensor([n, N, N], 'f32', modulus)),
      err: keep(gpu.zeros([3 * n], 'f32')),
      stats: keep(gpu.zeros([4], 'f32')),
      acc: keep(gpu.zeros([4 * NN], 'f32')),
    };
  }

  /** Start from a flat object (or `init`, resampled onto the canvas), scaled so its intensity matches the data. */
  async initialise(init?: ObjectImage): Promise<void> {
    const W = this.width,
      H = this.height;
    const obj = new Float32Array(2 * W * H);
    if (init) resampleOnto(init, obj, W, H, this.origin);
    else for (let k = 0; k < W * H; k++) obj[2 * k] = 1;
    this.gpu.upload(this.state.obj, obj);
    pieProbeUpdate(this.gpu, this.state, null, { step: 0, alpha: 0 });
    // One pass without updates measures Σ|F|² of the start against Σ m².
    for (const batch of this.batches()) this.measureBatch(batch);
    const e = await this.gpu.read(this.state.err);
    let model = 0,
      data = 0;
    for (let p = 0; p < this.n; p++) {
      data += e[3 * p + 1];
      model += e[3 * p + 2];
    }
    if (!(model > 0 && data > 0))
      throw new PtychoError(
        'contract',
        `the scan's diffraction (Σ A² = ${data.toExponential(2)}) or the start's predicted intensity (${model.toExponential(2)}) is zero`,
        'check the diffraction data and the probe (probeGuess) are not empty',
      );
    const s = Math.sqrt(data / model);
    for (let k = 0; k < obj.length; k++) obj[k] *= s;
    this.gpu.upload(this.state.obj, obj);
    if (this.options.momentum > 0) {
      const g = this.gpu;
      this.momentumState ??= {
        previous: g.keep(g.tensor([H, W], 'c64')),
        velocity: g.keep(g.zeros([H, W], 'c64')),
      };
      g.upload(this.momentumState.previous, obj);
    }
  }

  /** Run every remaining iteration, reporting each (awaited); stop() ends after the current one, pause() before the next. */
  async run(onIteration?: (e: IterationEvent) => void | Promise<void>): Promise<SolverResult> {
    const t0 = performance.now();
    while (this.iteration < this.options.iterations && !this.stopped) {
      if (this.pausedUntil) await this.pausedUntil;
      if (this.stopped) break;
      const e = await this.iterate(t0);
      await onIteration?.(e);
    }
    return this.result();
  }

  stop(): void {
    this.stopped = true;
    this.resume();
  }

  pause(): void {
    if (!this.pausedUntil) this.pausedUntil = new Promise((r) => (this.resumePaused = r));
  }

  resume(): void {
    this.resumePaused?.();
    this.resumePaused = null;
    this.pausedUntil = null;
  }

  get iterationsDone(): number {
    return this.iteration;
  }

  /** One sweep over every position in random batches; one read-back at its end (the error, and moved positions). */
  async iterate(t0 = performance.now()): Promise<IterationEvent> {
    const o = this.options;
    const it = ++this.iteration;
    const probe = o.refineProbe && it >= o.probeStart;
    const positions = o.refinePositions && it >= o.positionStart;
    const t1 = performance.now();
    for (const batch of this.batches()) {
      const b = this.measureBatch(batch);
      const tl = batchTiles(this.pos, batch, this.N, this.width, this.height, Math.ceil(o.maxShift) + 1);
      const tiles = {
        tilesX: tl.tilesX,
        tiles: tl.tilesX * tl.tilesY,
        start: this.gpu.tensor([tl.start.length], 'f32', new Float32Array(tl.start.buffer)),
        list: this.gpu.tensor([tl.list.length], 'f32', new Float32Array(tl.list.buffer)),
      };
      if (positions) piePositionStep(this.gpu, this.state, b, { step: o.positionStep, maxShift: o.maxShift });
      pieObjectUpdate(this.gpu, this.state, b, tiles, { step: o.objectStep, alpha: o.alpha });
      if (probe) pieProbeUpdate(this.gpu, this.state, b, { step: o.probeStep, alpha: o.alpha });
      if (positions) piePositionApply(this.gpu, this.state, b);
      tiles.start.dispose();
      tiles.list.dispose();
    }
    if (o.momentum > 0) pieMomentum(this.gpu, this.state, { ...this.momentumBuffers(), eta: o.momentum });
    const e = await this.gpu.read(this.state.err);
    let err = 0,
      data = 0;
    for (let p = 0; p < this.n; p++) {
      err += e[3 * p];
      data += e[3 * p + 1];
    }
    let positionRms = 0;
    if (positions) positionRms = await this.syncPositions();
    else if (this.history.length) positionRms = this.history[this.history.length - 1].positionRms;
    const now = performance.now();
    const ev: IterationEvent = {
      iteration: it,
      iterations: o.iterations,
      error: err / data,
      seconds: (now - t0) / 1000,
      patternsPerSecond: this.n / Math.max((now - t1) / 1000, 1e-9),
      positionRms,
    };
    this.history.push(ev);
    return ev;
  }

  /** The object reduced on the GPU to ≤ maxSide pixels a side (mean amplitude, phase of the sum); only that is read. */
  async preview(maxSide: number): Promise<PreviewImage> {
    const f = previewFactor(this.height, this.width, maxSide);
    const small = complexPreviewGpu(this.gpu, this.state.obj, f);
    try {
      const ap = await this.gpu.read(small);
      const [h, w] = small.shape;
      const amplitude = new Float32Array(w * h),
        phase = new Float32Array(w * h);
      for (let i = 0; i < w * h; i++) {
        amplitude[i] = ap[2 * i];
        phase[i] = ap[2 * i + 1];
      }
      return { width: w, height: h, amplitude, phase, origin: [this.origin[0], this.origin[1]], factor: f };
    } finally {
      small.dispose();
    }
  }

  /** The object, its illumination, the probe and the positions, read back. */
  async result(): Promise<SolverResult> {
    const object = await this.gpu.read(this.state.obj);
    const probe = await this.gpu.read(this.state.probe);
    const pos = Float64Array.from(await this.gpu.read(this.state.pos));
    const x = new Float64Array(this.n),
      y = new Float64Array(this.n);
    for (let p = 0; p < this.n; p++) {
      x[p] = pos[2 * p] + this.origin[0];
      y[p] = pos[2 * p + 1] + this.origin[1];
    }
    return {
      image: {
        object,
        width: this.width,
        height: this.height,
        origin: [this.origin[0], this.origin[1]],
        weights: illumination(probe, pos, this.N, this.width, this.height),
      },
      probe,
      x,
      y,
      history: this.history.slice(),
    };
  }

  dispose(): void {
    for (const t of Object.values(this.state)) t.dispose();
    this.momentumState?.previous.dispose();
    this.momentumState?.velocity.dispose();
    for (const b of this.scratch.values())
      for (const t of [b.batch, b.patch, b.psi, b.dpsi, b.shift, b.fourier]) t.dispose();
    this.scratch.clear();
  }

  /** The momentum's canvases: the object at the last iteration's end (the start's at first) and the velocity. */
  private momentumBuffers(): { previous: Tensor; velocity: Tensor } {
    if (!this.momentumState) throw new Error('PtychoSolver: momentum before initialise()');
    return this.momentumState;
  }

  /** A random partition of the positions into batches of near-equal size (at most two sizes). */
  private batches(): Uint32Array[] {
    const order = Uint32Array.from({ length: this.n }, (_, i) => i);
    this.rng.shuffle(order);
    const count = Math.ceil(this.n / this.options.batchSize);
    const out: Uint32Array[] = [];
    for (let k = 0; k < count; k++)
      out.push(order.slice(Math.floor((k * this.n) / count), Math.floor(((k + 1) * this.n) / count)));
    return out;
  }

  /** Extract, propagate, project and propagate back one batch: its Δψ (and error sums) on the GPU. */
  private measureBatch(batch: Uint32Array): PieBatch {
    const b = this.scratchFor(batch.length);
    this.gpu.upload(b.batch, new Float32Array(batch.buffer, batch.byteOffset, batch.length));
    pieExtract(this.gpu, this.state, b);
    fft2Raw(this.gpu, b.psi, false, 1, b.fourier);
    pieProject(this.gpu, this.state, b, b.fourier, this.options.loss);
    fft2Raw(this.gpu, b.fourier, true, 1 / (this.N * this.N), b.dpsi);
    return b;
  }

  private scratchFor(B: number): PieBatch & { fourier: Tensor } {
    let s = this.scratch.get(B);
    if (!s) {
      const g = this.gpu;
      const N = this.N;
      s = {
        B,
        batch: g.keep(g.tensor([B], 'f32')),
        patch: g.keep(g.tensor([B, N, N], 'c64')),
        psi: g.keep(g.tensor([B, N, N], 'c64')),
        dpsi: g.keep(g.tensor([B, N, N], 'c64')),
        fourier: g.keep(g.tensor([B, N, N], 'c64')),
        shift: g.keep(g.tensor([B], 'c64')),
      };
      this.scratch.set(B, s);
    }
    return s;
  }

  /** Read the moved positions, take out their common drift (a shift of the whole object), put them back. */
  private async syncPositions(): Promise<number> {
    const p = await this.gpu.read(this.state.pos);
    let dx = 0,
      dy = 0;
    for (let k = 0; k < this.n; k++) {
      dx += p[2 * k] - this.pos0[2 * k];
      dy += p[2 * k + 1] - this.pos0[2 * k + 1];
    }
    dx /= this.n;
    dy /= this.n;
    let ss = 0;
    for (let k = 0; k < this.n; k++) {
      this.pos[2 * k] = p[2 * k] - dx;
      this.pos[2 * k + 1] = p[2 * k + 1] - dy;
      ss += (this.pos[2 * k] - this.pos0[2 * k]) ** 2 + (this.pos[2 * k + 1] - this.pos0[2 * k + 1]) ** 2;
    }
    this.gpu.upload(this.state.pos, Float32Array.from(this.pos));
    return Math.sqrt(ss / this.n);
  }
}
