/**
 * Parity of the spectral generators (src/model/fnoGenerators.ts) with the reference's PtychoPINN_Lightning built on
 * them (golden files made by the reference itself with tests/fixtures/golden/make_spectral_models.py,
 * tests/fixtures/golden/model_{ffno,fno,fno_vanilla,ffno_logits}: N 64, gridsize 2, fno_width 8, fno_blocks 2,
 * fno_modes 6, fno_cnn_blocks 1; real_imag output, and log1p input with amp_phase_logits output): the generator's
 * complex patches or amplitude and phase, the predicted amplitude, the Poisson loss and every parameter's gradient.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tape } from '../gpu/tape';
import { ptychoLoss } from '../gpu/ops/loss';
import { golden, goldenSpectralSpec, loadGolden } from '../testing/fixtures';
import { compare, getTestGpu } from '../testing/gpu';
import type { SpectralArchitecture, SpectralGeneratorSpec } from './fnoGenerators';
import { PtychoPINN, type PtychoPINNSpec } from './ptychopinn';

const tolerances = (set: string) =>
  JSON.parse(readFileSync(new URL(`../../tests/fixtures/golden/${set}/tolerances.json`, import.meta.url), 'utf8')) as {
    f64_loss: number;
  };

function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

const spec = (
  architecture: SpectralArchitecture,
  inputTransform: SpectralGeneratorSpec['inputTransform'] = 'none',
  outputMode: SpectralGeneratorSpec['outputMode'] = 'real_imag',
): PtychoPINNSpec => ({
  generator: { N: 64, nFiltersScale: 1, cbam: false, probeBig: true, ampActivation: 'sigmoid' },
  spectral: goldenSpectralSpec(architecture, inputTransform, outputMode),
  gridsize: 2,
  objectBig: true,
  probeScale: 4,
  probeMask: false,
  lossMode: 'poisson',
});

/** The golden sets: real_imag for each generator, and an FFNO with log1p input and amp_phase_logits output. */
const SETS: [
  string,
  SpectralArchitecture,
  SpectralGeneratorSpec['inputTransform'],
  SpectralGeneratorSpec['outputMode'],
][] = [
  ['model_ffno', 'ffno', 'none', 'real_imag'],
  ['model_fno', 'fno', 'none', 'real_imag'],
  ['model_fno_vanilla', 'fno_vanilla', 'none', 'real_imag'],
  ['model_ffno_logits', 'ffno', 'log1p', 'amp_phase_logits'],
];

describe('spectral generators: parity with the reference (generator output, pred, loss, every gradient)', () => {
  for (const [set, arch, transform, output] of SETS) {
    it(`${set.slice(6)} (${transform} input, ${output})`, async () => {
      const gpu = await getTestGpu();
      const g = golden(set);
      const model = new PtychoPINN(gpu, spec(arch, transform, output), goldenWeights(set));
      const r = await runModel(model, set, g('input/x').data as Float32Array);
      if (output === 'amp_phase_logits') {
        // The reference's amplitude (sigmoid of the head's first C planes) and phase (π·tanh of the next C).
        expect(compare(r.amp!, g('output/amp').data as Float32Array, { atol: 1e-5 }, 'amplitude')).toBe('');
        expect(compare(r.phase!, g('output/phase').data as Float32Array, { atol: 1e-5 * Math.PI }, 'phase')).toBe('');
      }
      // The generator's raw output (B, N, N, C, 2) as our complex patches (B, C, N, N) (real_imag: the patches).
      const raw = g('output/generator_raw').data as Float32Array;
      const rawAsPatches = new Float32Array(r.object.length);
      for (let b = 0; b < 2; b++)
        for (let c = 0; c < 4; c++)
          for (let p = 0; p < 64 * 64; p++)
            for (let k = 0; k < 2; k++)
              rawAsPatches[2 * ((b * 4 + c) * 4096 + p) + k] = raw[((b * 4096 + p) * 4 + c) * 2 + k];
      let zmax = 0;
      for (const v of rawAsPatches) zmax = Math.max(zmax, Math.abs(v));
      if (output === 'real_imag')
        expect(compare(r.object, rawAsPatches, { atol: 1e-5 * zmax }, 'generator patches')).toBe('');
      const predRef = g('output/pred_amplitude').data as Float32Array;
      let pmax = 0;
      for (const v of predRef) pmax = Math.max(pmax, v);
      expect(compare(r.pred, predRef, { atol: 1e-5 * pmax }, 'pred')).toBe('');
      const tol = tolerances(set);
      expect(Math.abs(r.loss - tol.f64_loss) / tol.f64_loss).toBeLessThan(1e-5);
      // Every parameter's gradient: per tensor ‖Δg‖ ≤ 1e-4·‖g_ref‖ + 1e-5·‖all g_ref‖; globally ≤ 1e-4.
      let num = 0,
        den = 0;
      const refs = model.parameterNames.map((n) => g(`grad/${n}`).data as Float32Array);
      const total = Math.sqrt(refs.reduce((s, a) => s + norm(a) ** 2, 0));
      model.parameterNames.forEach((name, i) => {
        const d = r.grads[i].map((v, j) => v - refs[i][j]);
        num += norm(d) ** 2;
        den += norm(refs[i]) ** 2;
        const bound = 1e-4 * norm(refs[i]) + 1e-5 * total;
        expect(norm(d), `${name}: ‖Δg‖ ${norm(d)} vs ${bound}`).toBeLessThanOrEqual(bound);
      });
      expect(Math.sqrt(num / den)).toBeLessThan(1e-4);
      expect(model.parameterNames.length).toBe(refs.length);
      model.dispose();
    });
  }
});

/** The golden weights of one generator set (generator and forward-model tensors). */
function goldenWeights(set: string): Map<string, Float32Array> {
  const weights = new Map<string, Float32Array>();
  for (const [k, v] of Object.entries(loadGolden(set)))
    if (k.startsWith('model.generator.') || k.startsWith('model.forward_model.'))
      weights.set(k, v.data as Float32Array);
  return weights;
}

/** One forward + Poisson loss + every gradient of `model` on input `xIn` (the loss's target stays the golden x). */
async function runModel(model: PtychoPINN, set: string, xIn: Float32Array) {
  const gpu = await getTestGpu();
  const g = golden(set);
  const x = g('input/x');
  const S = g('input/physics_scaling_constant').data as Float32Array;
  model.setData({
    X: x.data as Float32Array,
    coordsRelative: g('input/coords_relative').data as Float32Array,
    probe: g('input/probe').data as Float32Array,
    S: S[0],
  });
  return gpu.tidyAsync(async () => {
    const tIn = gpu.tensor(x.shape, 'f32', xIn);
    const tx = gpu.tensor(x.shape, 'f32', x.data as Float32Array);
    const tc = gpu.tensor([2, 4, 2], 'f32', g('input/coords_relative').data as Float32Array);
    const tape = new Tape(gpu);
    const out = tape.run(() => {
      const o = model.forward(tIn, tc);
      return { ...o, loss: ptychoLoss(gpu, o.pred, tx, gpu.tensor([2], 'f32', S), 'poisson') };
    });
    const grads = tape.gradients(out.loss, model.parameters);
    return {
      loss: (await gpu.read(out.loss))[0],
      pred: await gpu.read(out.pred),
      object: await gpu.read(out.object),
      amp: out.amp && (await gpu.read(out.amp)),
      phase: out.phase && (await gpu.read(out.phase)),
      grads: await Promise.all(grads.map((t) => gpu.read(t))),
    };
  });
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe('spectral generators: the input transforms act on the input only', () => {
  // sqrt and log1p act on the network input only: a model with the transform on x must equal, patch for patch and
  // gradient for gradient, the same weights with no transform on the float64-transformed x.
  for (const [transform, f] of [
    ['sqrt', (v: number) => Math.sqrt(Math.max(v, 0))],
    ['log1p', (v: number) => Math.log1p(Math.max(v, 0))],
  ] as const)
    it(`fno_input_transform ${transform} (fno): equals no transform on the float64-transformed input`, async () => {
      const gpu = await getTestGpu();
      const set = 'model_fno';
      const x = golden(set)('input/x').data as Float32Array;
      const withTransform = new PtychoPINN(gpu, spec('fno', transform), goldenWeights(set));
      const a = await runModel(withTransform, set, x);
      withTransform.dispose();
      const plain = new PtychoPINN(gpu, spec('fno'), goldenWeights(set));
      const b = await runModel(plain, set, Float32Array.from(x, f));
      plain.dispose();
      expect(compare(a.object, b.object, { atol: 1e-5 * maxAbs(b.object) }, 'patches')).toBe('');
      expect(Math.abs(a.loss - b.loss) / b.loss).toBeLessThan(1e-6);
      a.grads.forEach((ga, i) => {
        const bound = 1e-4 * norm(b.grads[i]) + 1e-8;
        expect(norm(ga.map((v, j) => v - b.grads[i][j])), plain.parameterNames[i]).toBeLessThanOrEqual(bound);
      });
      // The transform changes the input the network sees: the patches differ from the untransformed run's.
      const none = new PtychoPINN(gpu, spec('fno'), goldenWeights(set));
      const c = await runModel(none, set, x);
      none.dispose();
      expect(compare(a.object, c.object, { atol: 1e-3 * maxAbs(c.object) }, 'patches')).not.toBe('');
    });
});
