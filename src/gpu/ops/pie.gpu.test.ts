import { describe, expect, it } from 'vitest';
import { getTestGpu, relL2 } from '../../testing/gpu';
import { fft2 } from '../../pipeline/fftCpu';
import { Rng } from '../../numerics/random';
import { fft2Raw } from './fft';
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
} from './pie';
import { refBatchUpdate, type RefState, type RefStep } from '../../solver/pie.ref';
import { batchTiles } from '../../solver/tiles';

/** A tiny scan: N 16 on a 44×40 canvas, 10 sub-pixel positions, a soft disk probe with curvature, moduli of a truth the start differs from. */
function tinyScan(seed: number): RefState {
  const rng = new Rng(seed);
  const N = 16,
    W = 40,
    H = 44;
  const obj = new Float64Array(2 * W * H);
  const truth = new Float64Array(2 * W * H);
  for (let q = 0; q < W * H; q++) {
    const a = 0.8 + 0.2 * rng.uniform(),
      ph = 0.5 * rng.uniform();
    // A start with a broad spectrum: a flat one leaves Fourier pixels near zero whose phase float32 cannot fix.
    obj[2 * q] = a * Math.cos(ph) + 0.3 * rng.uniform();
    obj[2 * q + 1] = a * Math.sin(ph) - 0.3 * rng.uniform();
    truth[2 * q] = a * Math.cos(ph);
    truth[2 * q + 1] = a * Math.sin(ph);
  }
  const probe = new Float64Array(2 * N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      const r = Math.hypot(i - N / 2 + 0.5, j - N / 2 + 0.5);
      const amp = 1 / (1 + Math.exp((r - 5) / 0.8));
      probe[2 * (i * N + j)] = amp * Math.cos(0.02 * r * r);
      probe[2 * (i * N + j) + 1] = amp * Math.sin(0.02 * r * r);
    }
  const n = 10;
  const pos = new Float64Array(2 * n);
  for (let p = 0; p < n; p++) {
    pos[2 * p] = 10 + 20 * rng.uniform();
    pos[2 * p + 1] = 10 + 24 * rng.uniform();
  }
  // Moduli of the true object: |FFT(P · O_truth)| at each position.
  const modulus = new Float64Array(n * N * N);
  for (let p = 0; p < n; p++) {
    const psi = new Float64Array(2 * N * N);
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        const sy = pos[2 * p + 1] - N / 2 + i,
          sx = pos[2 * p] - N / 2 + j;
        const y0 = Math.floor(sy),
          x0 = Math.floor(sx),
          fy = sy - y0,
          fx = sx - x0;
        let re = 0,
          im = 0;
        for (const [y, x, w] of [
          [y0, x0, (1 - fy) * (1 - fx)],
          [y0, x0 + 1, (1 - fy) * fx],
          [y0 + 1, x0, fy * (1 - fx)],
          [y0 + 1, x0 + 1, fy * fx],
        ]) {
          re += w * truth[2 * (y * W + x)];
          im += w * truth[2 * (y * W + x) + 1];
        }
        const k = i * N + j;
        psi[2 * k] = probe[2 * k] * re - probe[2 * k + 1] * im;
        psi[2 * k + 1] = probe[2 * k] * im + probe[2 * k + 1] * re;
      }
    const F = fft2(psi, N, N);
    for (let k = 0; k < N * N; k++) modulus[p * N * N + k] = Math.hypot(F[2 * k], F[2 * k + 1]);
  }
  return { N, W, H, obj, probe, pos, modulus };
}

async function gpuBatchUpdate(s: RefState, batch: number[], o: RefStep) {
  const gpu = await getTestGpu();
  const { N, W, H } = s;
  const n = s.pos.length / 2;
  const B = batch.length;
  return gpu.tidyAsync(async () => {
    const st: PieState = {
      obj: gpu.tensor([H, W], 'c64', Float32Array.from(s.obj)),
      probe: gpu.tensor([N, N], 'c64', Float32Array.from(s.probe)),
      pos: gpu.tensor([n], 'c64', Float32Array.from(s.pos)),
      modulus: gpu.tensor([n, N, N], 'f32', Float32Array.from(s.modulus)),
      err: gpu.zeros([3 * n]),
      stats: gpu.zeros([4]),
      acc: gpu.zeros([4 * N * N]),
    };
    const idx = Uint32Array.from(batch);
    const b: PieBatch = {
      B,
      batch: gpu.tensor([B], 'f32', new Float32Array(idx.buffer)),
      patch: gpu.tensor([B, N, N], 'c64'),
      psi: gpu.tensor([B, N, N], 'c64'),
      dpsi: gpu.tensor([B, N, N], 'c64'),
      shift: gpu.tensor([B], 'c64'),
    };
    const fourier = gpu.tensor([B, N, N], 'c64');
    pieProbeUpdate(gpu, st, null, { step: 0, alpha: 0 });
    pieExtract(gpu, st, b);
    fft2Raw(gpu, b.psi, false, 1, fourier);
    pieProject(gpu, st, b, fourier, o.loss);
    fft2Raw(gpu, fourier, true, 1 / (N * N), b.dpsi);
    if (o.positions) piePositionStep(gpu, st, b, o.positions);
    const tl = batchTiles(s.pos, idx, N, W, H, 1);
    pieObjectUpdate(
      gpu,
      st,
      b,
      {
        tilesX: tl.tilesX,
        tiles: tl.tilesX * tl.tilesY,
        start: gpu.tensor([tl.start.length], 'f32', new Float32Array(tl.start.buffer)),
        list: gpu.tensor([tl.list.length], 'f32', new Float32Array(tl.list.buffer)),
      },
      o,
    );
    if (o.probe) pieProbeUpdate(gpu, st, b, { step: o.probe.step, alpha: o.alpha });
    if (o.positions) piePositionApply(gpu, st, b);
    const err = await gpu.read(st.err);
    let e = 0;
    for (const p of batch) e += err[3 * p];
    return { obj: await gpu.read(st.obj), probe: await gpu.read(st.probe), pos: await gpu.read(st.pos), err: e };
  });
}

/** Relative L2 error of the change from `before` (what the update did), not of the state. */
function changeError(after: ArrayLike<number>, ref: Float64Array, before: Float64Array): number {
  const a = Float64Array.from(after, (v, i) => v - before[i]);
  const r = Float64Array.from(ref, (v, i) => v - before[i]);
  return relL2(a, r);
}

describe('the solver batch update (pie.wgsl) against the float64 reference (pie.ref.ts)', () => {
  const batch = [0, 3, 4, 7, 9];
  for (const o of [
    { step: 1, alpha: 0.1, loss: 'amplitude' },
    { step: 0.7, alpha: 0.3, loss: 'poisson' },
    { step: 1, alpha: 0.1, loss: 'amplitude', probe: { step: 1 }, positions: { step: 1, maxShift: 0.5 } },
  ] as RefStep[]) {
    it(`${o.loss}${o.probe ? ' with probe and position steps' : ''}`, async () => {
      const s = tinyScan(3);
      const before = { obj: s.obj.slice(), probe: s.probe.slice(), pos: s.pos.slice() };
      const g = await gpuBatchUpdate(s, batch, o);
      const errRef = refBatchUpdate(s, batch, o);
      expect(Math.abs(g.err - errRef) / errRef).toBeLessThan(1e-4);
      expect(changeError(g.obj, s.obj, before.obj)).toBeLessThan(1e-4);
      if (o.probe) {
        expect(changeError(g.probe, s.probe, before.probe)).toBeLessThan(1e-4);
        expect(changeError(g.pos, s.pos, before.pos)).toBeLessThan(1e-3);
        // The steps are real moves, not all clamped or zero.
        const moved = Float64Array.from(s.pos, (v, i) => Math.abs(v - before.pos[i]));
        expect(Math.max(...moved)).toBeGreaterThan(1e-3);
      } else {
        // Without a probe step the probe stays exactly as uploaded.
        const f32 = Float32Array.from(before.probe);
        expect(g.probe.every((v, i) => v === f32[i])).toBe(true);
      }
    });
  }
});

describe('the solver momentum (mPIE) against its formula', () => {
  it('v ← η·v + (O − O_prev), O ← O + η·v, O_prev ← O', async () => {
    const gpu = await getTestGpu();
    const rng = new Rng(8);
    const H = 5,
      W = 7,
      eta = 0.7;
    const draw = () => Float32Array.from({ length: 2 * H * W }, () => rng.range(-1, 1));
    const [o, prev, vel] = [draw(), draw(), draw()];
    const got = await gpu.tidyAsync(async () => {
      const st = { obj: gpu.tensor([H, W], 'c64', o) } as PieState;
      const m = { previous: gpu.tensor([H, W], 'c64', prev), velocity: gpu.tensor([H, W], 'c64', vel), eta };
      pieMomentum(gpu, st, m);
      return { o: await gpu.read(st.obj), p: await gpu.read(m.previous), v: await gpu.read(m.velocity) };
    });
    for (let i = 0; i < 2 * H * W; i++) {
      const v = eta * vel[i] + (o[i] - prev[i]);
      expect(got.v[i]).toBeCloseTo(v, 5);
      expect(got.o[i]).toBeCloseTo(o[i] + eta * v, 5);
      expect(got.p[i]).toBe(got.o[i]);
    }
  });
});
