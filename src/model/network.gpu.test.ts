import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readTorchBundle } from '../pipeline/archive/torchBundle';
import { golden } from '../testing/fixtures';
import { compare, getTestGpu, maxAbs } from '../testing/gpu';
import type { Tensor } from '../gpu/tensor';
import { generatorForward, parameterShapes, type GeneratorSpec } from './network';

const bundle = readTorchBundle(
  new Uint8Array(readFileSync(new URL('../../tests/fixtures/torch/wts_n64_s1_gs1.h5.zip', import.meta.url))),
);

describe('generator parity with the PyTorch reference (golden model_n64_s1_*.npz)', () => {
  for (const [set, spec] of [
    ['model_gs1', { N: 64, C: 1, nFiltersScale: 1, cbam: true, probeBig: true, ampActivation: 'sigmoid' }],
    ['model_nocbam', { N: 64, C: 1, nFiltersScale: 1, cbam: false, probeBig: true, ampActivation: 'sigmoid' }],
  ] as [string, GeneratorSpec][]) {
    it(`${set}: parameter names/shapes equal the state_dict; amp and phase within 1e-5 of max`, async () => {
      const gpu = await getTestGpu();
      const g = golden(set);
      const shapes = parameterShapes(spec);
      for (const [name, shape] of shapes) expect(bundle.stateDict.get(name)?.shape, name).toEqual(shape);
      expect(shapes.reduce((s, [, sh]) => s + sh.reduce((a, b) => a * b, 1), 0)).toBe(
        (g('param_count').data as Int32Array)[0],
      );
      const x = g('input/x');
      const { amp, phase } = await gpu.tidyAsync(async () => {
        const params = new Map<string, Tensor>();
        for (const [name, shape] of shapes)
          params.set(name, gpu.tensor(shape, 'f32', bundle.stateDict.get(name)!.data));
        const out = generatorForward(gpu, params, spec, gpu.tensor(x.shape, 'f32', x.data as Float32Array));
        return { amp: await gpu.read(out.amp), phase: await gpu.read(out.phase) };
      });
      const ampRef = g('output/amp').data as Float32Array;
      const phaseRef = g('output/phase').data as Float32Array;
      expect(compare(amp, ampRef, { atol: 1e-5 * maxAbs(ampRef) }, 'amp')).toBe('');
      expect(compare(phase, phaseRef, { atol: 1e-5 * maxAbs(phaseRef) }, 'phase')).toBe('');
    });
  }
});
