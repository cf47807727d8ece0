/**
 * Spectral convolutions (spectral.ts) vs the float64 reference (spectral.ref.ts) — forward and adjoints — the
 * reference's adjoint vs finite differences, and the GPU vs torch's own FFNO / FNO forward and autograd
 * (tests/fixtures/spectral/spectral_golden.npz, made by make_spectral_golden.py there).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readNpz } from '../../pipeline/npz';
import { getTestGpu, randomArray } from '../../testing/gpu';
import type { Gpu } from '../runtime';
import { Tape } from '../tape';
import type { Tensor } from '../tensor';
import { factorizedSpectralConv2d, spectralConv2d } from './spectral';
import { ffnoRef, ffnoRefGrad, fnoRef, fnoRefGrad, realArr, type Arr, type Weights } from './spectral.ref';

type Kind = 'ffno' | 'fno';
interface Case {
  B: number;
  ci: number;
  co: number;
  H: number;
  W: number;
  modes: number;
}

/** max |a − e| / max |e|. */
function relMax(a: ArrayLike<number>, e: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < e.length; i++) {
    num = Math.max(num, Math.abs(a[i] - e[i]));
    den = Math.max(den, Math.abs(e[i]));
  }
  if (a.length !== e.length) return Infinity;
  return num / (den || 1);
}

/** Complex weight shapes (without the trailing 2) of a case. */
function weightShapes(kind: Kind, c: Case): number[][] {
  return kind === 'ffno'
    ? [
        [c.ci, c.co, c.modes],
        [c.ci, c.co, c.modes],
      ]
    : [[c.ci, c.co, c.modes, c.modes]];
}

function makeInputs(kind: Kind, c: Case, seed: number) {
  const xShape = [c.B, c.ci, c.H, c.W];
  const x = randomArray(c.B * c.ci * c.H * c.W, seed);
  const ws = weightShapes(kind, c).map((shape, i) => ({
    shape,
    data: randomArray(2 * shape.reduce((p, d) => p * d, 1), seed + 10 + i),
  }));
  const g = randomArray(c.B * c.co * c.H * c.W, seed + 20);
  return { xShape, x, ws, g };
}

/** The GPU op's output and, with g, the tape's gradients of Σ g·out w.r.t. x and the weights. */
async function runGpu(
  gpu: Gpu,
  kind: Kind,
  xShape: number[],
  x: Float32Array,
  ws: { shape: number[]; data: ArrayLike<number> }[],
  g?: Float32Array,
): Promise<{ out: Float32Array; grads: Float32Array[] }> {
  return gpu.tidyAsync(async () => {
    const xt = gpu.tensor(xShape, 'f32', x);
    const wts = ws.map((w) => gpu.tensor([...w.shape, 2], 'f32', w.data));
    const f = (): Tensor =>
      kind === 'ffno' ? factorizedSpectralConv2d(gpu, xt, wts[0], wts[1]) : spectralConv2d(gpu, xt, wts[0]);
    if (!g) return { out: await gpu.read(f()), grads: [] };
    const tape = new Tape(gpu);
    for (const t of [xt, ...wts]) t.requiresGrad = true;
    const y = tape.run(f);
    const gs = tape.gradients(y, [xt, ...wts], gpu.tensor(y.shape, 'f32', g));
    return { out: await gpu.read(y), grads: await Promise.all(gs.map((t) => gpu.read(t))) };
  });
}

const w64 = (w: { shape: number[]; data: ArrayLike<number> }): Weights => ({
  shape: w.shape,
  data: Float64Array.from(w.data),
});
const refForward = (kind: Kind, x: Arr, ws: Weights[]) =>
  kind === 'ffno' ? ffnoRef(x, ws[0], ws[1]) : fnoRef(x, ws[0]);
function refGrads(kind: Kind, x: Arr, ws: Weights[], g: Arr): Float64Array[] {
  if (kind === 'ffno') {
    const r = ffnoRefGrad(x, ws[0], ws[1], g);
    return [r.gx.data, r.gwx, r.gwy];
  }
  const r = fnoRefGrad(x, ws[0], g);
  return [r.gx.data, r.gw];
}

const CASES: Case[] = [
  { B: 2, ci: 3, co: 2, H: 32, W: 32, modes: 5 },
  { B: 2, ci: 3, co: 2, H: 32, W: 64, modes: 12 },
  // modes = W/2 + 1: the Nyquist bin along W (and along H for the FFNO); the FNO keeps 17 of 32 rows.
  { B: 2, ci: 3, co: 2, H: 32, W: 32, modes: 17 },
  // more modes than fit along H (FFNO 5 = H/2 + 1, FNO all 8 rows), H ≠ W, Ci < Co.
  { B: 1, ci: 2, co: 3, H: 8, W: 16, modes: 9 },
];

describe('spectral convolutions (GPU) vs float64 and torch', () => {
  it('forward of both convolutions matches the float64 reference', async () => {
    const gpu = await getTestGpu();
    for (const kind of ['ffno', 'fno'] as const)
      for (const c of CASES) {
        const { xShape, x, ws } = makeInputs(kind, c, 1);
        const { out } = await runGpu(gpu, kind, xShape, x, ws);
        const ref = refForward(kind, realArr(xShape, x), ws.map(w64));
        expect(ref.shape).toEqual([c.B, c.co, c.H, c.W]);
        const err = relMax(out, ref.data);
        expect(err, `${kind} ${JSON.stringify(c)}`).toBeLessThan(1e-5);
      }
  });

  it("the reference's adjoint equals central finite differences (float64)", () => {
    for (const kind of ['ffno', 'fno'] as const)
      for (const c of [
        { B: 1, ci: 2, co: 2, H: 8, W: 16, modes: 9 },
        { B: 2, ci: 2, co: 3, H: 16, W: 8, modes: 3 },
      ]) {
        const { xShape, x, ws, g } = makeInputs(kind, c, 2);
        const xa = realArr(xShape, x);
        const wa = ws.map(w64);
        const ga = realArr([c.B, c.co, c.H, c.W], g);
        const grads = refGrads(kind, xa, wa, ga);
        const loss = () => refForward(kind, xa, wa).data.reduce((s, v, i) => s + v * ga.data[i], 0);
        const inputs = [xa.data, ...wa.map((w) => w.data)];
        inputs.forEach((arr, k) => {
          for (let s = 0; s < 8; s++) {
            // Spread samples over x and each weight array (re and im parts, used and unused modes).
            const j = k === 0 ? (s * 7919) % arr.length : (s * Math.ceil(arr.length / 8) + s) % arr.length;
            const h = 1e-4;
            const v = arr[j];
            arr[j] = v + h;
            const lp = loss();
            arr[j] = v - h;
            const lm = loss();
            arr[j] = v;
            const numeric = (lp - lm) / (2 * h);
            expect(Math.abs(grads[k][j] - numeric), `${kind} input ${k}[${j}]`).toBeLessThan(
              1e-8 * (1 + Math.abs(numeric)),
            );
          }
        });
      }
  });

  it('tape gradients w.r.t. x and the weights (re and im) match the reference adjoint', async () => {
    const gpu = await getTestGpu();
    for (const kind of ['ffno', 'fno'] as const)
      for (const c of [CASES[1], CASES[2], CASES[3]]) {
        const { xShape, x, ws, g } = makeInputs(kind, c, 3);
        const { grads } = await runGpu(gpu, kind, xShape, x, ws, g);
        const ref = refGrads(kind, realArr(xShape, x), ws.map(w64), realArr([c.B, c.co, c.H, c.W], g));
        grads.forEach((gr, k) =>
          expect(relMax(gr, ref[k]), `${kind} ${JSON.stringify(c)} grad ${k}`).toBeLessThan(1e-5),
        );
      }
  });

  it("forward and gradients equal torch's (golden npz from the reference formulas)", async () => {
    const gpu = await getTestGpu();
    const here = dirname(fileURLToPath(import.meta.url));
    const file = join(here, '..', '..', '..', 'tests', 'fixtures', 'spectral', 'spectral_golden.npz');
    const npz = readNpz(new Uint8Array(readFileSync(file)));
    const get = (k: string) => {
      if (!npz[k]) throw new Error(`spectral_golden.npz: no ${k}`);
      return { shape: npz[k].shape, data: npz[k].data as Float32Array };
    };
    const x = get('x');
    const g = get('g');
    for (const modes of [5, 17])
      for (const kind of ['ffno', 'fno'] as const) {
        const p = `${kind}${modes}_`;
        const wNames = kind === 'ffno' ? ['wx', 'wy'] : ['w'];
        const ws = wNames.map((n) => get(p + n));
        const { out, grads } = await runGpu(gpu, kind, x.shape, x.data, ws, g.data);
        expect(relMax(out, get(p + 'out').data), `${p}out`).toBeLessThan(1e-5);
        ['gx', ...wNames.map((n) => 'g' + n)].forEach((n, k) =>
          expect(relMax(grads[k], get(p + n).data), p + n).toBeLessThan(1e-5),
        );
      }
  });
});
