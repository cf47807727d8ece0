import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readTorchBundle } from '../pipeline/archive/torchBundle';
import { golden, loadGolden } from '../testing/fixtures';
import { Tape } from '../gpu/tape';
import { compare, getTestGpu } from '../gpu/testing';
import { ptychoLoss } from '../gpu/ops/loss';
import { PtychoPINN, type PtychoPINNSpec } from './ptychopinn';

const bundle = readTorchBundle(new Uint8Array(readFileSync(new URL('../../tests/fixtures/torch/wts_n64_s1_gs1.h5.zip', import.meta.url))));
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
        generator: { N: 64, C, nFiltersScale: 1, cbam, probeBig: true, ampActivation: 'sigmoid' },
        gridsize: gs,
        objectBig: true,
        probeScale: 4,
        probeMask: false,
        M: 64 + (gs - 1) * 4,
        lossMode: 'poisson',
      };
      const weights = new Map<string, Float32Array>();
      if (set === 'model_gs2') {
        for (const [k, v] of Object.entries(loadGolden('model_gs2'))) if (k.startsWith('model.')) weights.set(k, v.data as Float32Array);
      } else for (const [k, v] of bundle.stateDict) weights.set(k, v.data);
      const x = g('input/x');
      const S = g('input/physics_scaling_constant').data as Float32Array;
      const model = new PtychoPINN(gpu, spec, weights);
      model.setData({ X: x.data as Float32Array, coordsRelative: g('input/coords_relative').data as Float32Array, probe: g('input/probe').data as Float32Array, S: S[0] });
      const r = await gpu.tidyAsync(async () => {
        const tx = gpu.tensor(x.shape, 'f32', x.data as Float32Array);
        const tc = gpu.tensor([2, C, 2], 'f32', g('input/coords_relative').data as Float32Array);
        const tape = new Tape(gpu);
        const { loss, pred } = tape.run(() => {
          const out = model.forward(tx, tc);
          return { pred: out.pred, loss: ptychoLoss(gpu, out.pred, tx, gpu.tensor([2], 'f32', S), 'poisson') };
        });
        const grads = tape.gradients(loss, model.parameters);
        return { loss: (await gpu.read(loss))[0], pred: await gpu.read(pred), grads: await Promise.all(grads.map((t) => gpu.read(t))) };
      });
      // Loss and prediction: gs2 vs the float32 reference; gs1 vs its float64 re-run (golden README §8.1).
      const predRef = (set === 'model_gs2' ? g('output/pred_amplitude') : g('check/pred_amplitude_f64')).data as Float32Array;
      let pmax = 0;
      for (const v of predRef) pmax = Math.max(pmax, v);
      expect(compare(r.pred, predRef, { atol: (set === 'model_gs2' ? 1e-5 : 1e-4) * pmax }, 'pred')).toBe('');
      expect(Math.abs(r.loss - tol.f64_loss) / tol.f64_loss).toBeLessThan(set === 'model_gs2' ? 1e-5 : 1e-4);
      // Gradients: per tensor ‖Δg‖ ≤ max(4·l2_rel_own, 1e-4)·‖g_ref‖ (gs2); global ‖Δg‖/‖g_ref‖ ≤ 1e-4 (gs2);
      // gs1 / nocbam: max |Δg| ≤ 1e-3 × global max |g_ref| (their float32 reference carries the §8.1 artefact).
      let num = 0, den = 0, gmax = 0;
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
