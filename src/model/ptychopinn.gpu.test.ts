import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTorchBundle } from '../pipeline/archive/torchBundle';
import { golden, loadGolden } from '../testing/fixtures';
import { Tape } from '../gpu/tape';
import { compare, getTestGpu } from '../testing/gpu';
import { ptychoLoss } from '../gpu/ops/loss';
import { PtychoPINN, type PtychoPINNSpec } from './ptychopinn';

const bundle = readTorchBundle(
  new Uint8Array(readFileSync(new URL('../../tests/fixtures/torch/wts_n64_s1_gs1.h5.zip', import.meta.url))),
);
const tolerances = (set: string) =>
  JSON.parse(readFileSync(new URL(`../../tests/fixtures/golden/${set}/tolerances.json`, import.meta.url), 'utf8')) as {
    f64_loss: number;
    per_param_l2_rel_own: Record<string, number>;
  };

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

const cases: [string, number, boolean][] = [
  ['model_gs2', 2, true],
  ['model_gs1', 1, true],
  ['model_nocbam', 1, false],
];

describe('full-model parity with PtychoPINN_Lightning (forward, compute_loss, every parameter gradient)', () => {
  for (const [set, gs, cbam] of cases) {
    it(`${set}: pred, loss and gradients match the reference`, async () => {
      const gpu = await getTestGpu();
      const g = golden(set);
      const tol = tolerances(set);
      const C = gs * gs;
      const spec: PtychoPINNSpec = {
        generator: { N: 64, nFiltersScale: 1, cbam, probeBig: true, ampActivation: 'sigmoid' },
        gridsize: gs,
        objectBig: true,
        probeScale: 4,
        probeMask: false,
        lossMode: 'poisson',
      };
      const weights = new Map<string, Float32Array>();
      if (set === 'model_gs2') {
        for (const [k, v] of Object.entries(loadGolden('model_gs2')))
          if (k.startsWith('model.')) weights.set(k, v.data as Float32Array);
      } else for (const [k, v] of bundle.stateDict) weights.set(k, v.data);
      const x = g('input/x');
      const S = g('input/physics_scaling_constant').data as Float32Array;
      const model = new PtychoPINN(gpu, spec, weights);
      model.setData({
        X: x.data as Float32Array,
        coordsRelative: g('input/coords_relative').data as Float32Array,
        probe: g('input/probe').data as Float32Array,
        S: S[0],
      });
      const r = await gpu.tidyAsync(async () => {
        const tx = gpu.tensor(x.shape, 'f32', x.data as Float32Array);
        const tc = gpu.tensor([2, C, 2], 'f32', g('input/coords_relative').data as Float32Array);
        const tape = new Tape(gpu);
        const { loss, pred } = tape.run(() => {
          const out = model.forward(tx, tc);
          return { pred: out.pred, loss: ptychoLoss(gpu, out.pred, tx, gpu.tensor([2], 'f32', S), 'poisson') };
        });
        const grads = tape.gradients(loss, model.parameters);
        return {
          loss: (await gpu.read(loss))[0],
          pred: await gpu.read(pred),
          grads: await Promise.all(grads.map((t) => gpu.read(t))),
        };
      });
      // Loss and prediction: gs2 vs the float32 reference; gs1 vs its float64 re-run.
      const predRef = (set === 'model_gs2' ? g('output/pred_amplitude') : g('check/pred_amplitude_f64'))
        .data as Float32Array;
      let pmax = 0;
      for (const v of predRef) pmax = Math.max(pmax, v);
      expect(compare(r.pred, predRef, { atol: (set === 'model_gs2' ? 1e-5 : 1e-4) * pmax }, 'pred')).toBe('');
      expect(Math.abs(r.loss - tol.f64_loss) / tol.f64_loss).toBeLessThan(set === 'model_gs2' ? 1e-5 : 1e-4);
      // Gradients: per tensor ‖Δg‖ ≤ max(4·l2_rel_own, 1e-4)·‖g_ref‖ (gs2); global ‖Δg‖/‖g_ref‖ ≤ 1e-4 (gs2);
      // gs1 / nocbam: max |Δg| ≤ 1e-3 × global max |g_ref| (their float32 reference carries an artefact the float64 re-run does not).
      let num = 0,
        den = 0,
        gmax = 0;
      const refs = model.parameterNames.map((n) => g(`grad/${n}`).data as Float32Array);
      for (const ref of refs) for (const v of ref) gmax = Math.max(gmax, Math.abs(v));
      model.parameterNames.forEach((name, i) => {
        const ours = r.grads[i];
        const ref = refs[i];
        const d = ours.map((v, j) => v - ref[j]);
        num += norm(d) ** 2;
        den += norm(ref) ** 2;
        if (set === 'model_gs2') {
          const bound = Math.max(4 * (tol.per_param_l2_rel_own[name] ?? 0), 1e-4) * norm(ref);
          expect(norm(d), `${name}: ‖Δg‖ ${norm(d)} vs bound ${bound}`).toBeLessThanOrEqual(bound);
        } else {
          expect(compare(ours, ref, { atol: 1e-3 * gmax }, name)).toBe('');
        }
      });
      if (set === 'model_gs2') expect(Math.sqrt(num / den)).toBeLessThan(1e-4);
      model.dispose();
    });
  }
});

/** A small gridsize-1 model without CBAM (N 32, gridsize 1: the canvas is N), the base of the loss-term and intensity-scale tests. */
const SMALL_SPEC: PtychoPINNSpec = {
  generator: { N: 32, nFiltersScale: 0.25, cbam: false, probeBig: true, ampActivation: 'sigmoid' },
  gridsize: 1,
  objectBig: true,
  probeScale: 4,
  probeMask: false,
  lossMode: 'poisson',
};

describe('optional real-space loss terms', () => {
  it('loss = Poisson + coeff·TV(amp) + coeff·MD(phase) exactly, and their gradients reach the parameters', async () => {
    const gpu = await getTestGpu();
    const { regulariser } = await import('../gpu/ops/regular');
    const base = SMALL_SPEC;
    const withReg: PtychoPINNSpec = {
      ...base,
      ampLoss: { kind: 'Total_Variation', coeff: 0.5 },
      phaseLoss: { kind: 'Mean_Deviation', coeff: 2 },
    };
    const X = Float32Array.from({ length: 2 * 32 * 32 }, (_, i) => 0.1 + ((i * 37) % 11) / 10);
    const probe = Float32Array.from({ length: 2 * 32 * 32 }, (_, i) => (i % 2 ? 0 : 1));
    const results = [];
    for (const spec of [base, withReg]) {
      const m = new PtychoPINN(gpu, spec, undefined, 5);
      m.setData({ X, coordsRelative: new Float32Array(4), probe, S: 10 });
      results.push(
        await gpu.tidyAsync(async () => {
          const idx = gpu.tensor([2], 'f32', [0, 1]);
          const tape = new Tape(gpu);
          const l = tape.run(() => m.batchLoss(gpu, idx));
          const grads = tape.gradients(l, m.parameters);
          const x = gpu.tensor([2, 1, 32, 32], 'f32', X);
          const { amp, phase } = m.forward(x, gpu.zeros([2, 1, 2]));
          const tv = (await gpu.read(regulariser(gpu, amp!, 'Total_Variation')))[0];
          const md = (await gpu.read(regulariser(gpu, phase!, 'Mean_Deviation')))[0];
          return { loss: (await gpu.read(l))[0], g0: await gpu.read(grads[0]), tv, md };
        }),
      );
      m.dispose();
    }
    const [a, b] = results;
    expect(Math.abs(b.loss - (a.loss + 0.5 * b.tv + 2 * b.md)) / b.loss).toBeLessThan(1e-5);
    expect(Array.from(b.g0)).not.toEqual(Array.from(a.g0));
  });
});

describe('trainable intensity scale (α·pred + β)', () => {
  it('adds α, β to the trained parameters; pred = α·pred₀ + β', async () => {
    const gpu = await getTestGpu();
    const base = SMALL_SPEC;
    const plain = new PtychoPINN(gpu, base, undefined, 9);
    const scaled = new PtychoPINN(gpu, { ...base, intensityScaleTrainable: true }, undefined, 9);
    expect(scaled.parameterNames.filter((n) => n.startsWith('model.forward_model.'))).toEqual([
      'model.forward_model.alpha',
      'model.forward_model.beta',
    ]);
    expect(plain.parameters.length + 2).toBe(scaled.parameters.length);
    gpu.upload(scaled.params.get('model.forward_model.alpha')!, [1.5]);
    gpu.upload(scaled.params.get('model.forward_model.beta')!, [0.25]);
    const probe = Float32Array.from({ length: 2 * 32 * 32 }, (_, i) => (i % 2 ? 0 : 1));
    const X = new Float32Array(32 * 32).fill(0.5);
    for (const m of [plain, scaled]) m.setData({ X, coordsRelative: new Float32Array(2), probe, S: 1 });
    const [p0, p1] = await gpu.tidyAsync(async () => {
      const x = gpu.tensor([1, 1, 32, 32], 'f32', X);
      return [
        await gpu.read(plain.forward(x, gpu.zeros([1, 1, 2])).pred),
        await gpu.read(scaled.forward(x, gpu.zeros([1, 1, 2])).pred),
      ];
    });
    expect(
      compare(
        p1,
        Array.from(p0, (v) => 1.5 * v + 0.25),
        { atol: 1e-5, rtol: 1e-6 },
        'α·pred + β',
      ),
    ).toBe('');
    plain.dispose();
    scaled.dispose();
  });
});
