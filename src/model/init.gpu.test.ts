// Why the presets initialise with 'kaiming' (src/model/init.ts): a fresh network's prediction must depend on its
// input. Measured on the normalised diffraction of a simulated scan, as training sees it: with PyTorch's default
// initialisation the amplitude the network predicts is the same for every pattern to 4e-6 of its size (1e-7 with
// CBAM, whose gates halve the signal twice a block) — the flat basin; with 'kaiming' it varies 2500× (1600×) more.
import { describe, expect, it } from 'vitest';
import { getTestGpu } from '../testing/gpu';
import type { Tensor } from '../gpu/tensor';
import { groupScan } from '../pipeline/container';
import { toRawData } from '../pipeline/contract';
import { linesScan } from '../testing/fixtures';
import { initParameters, type InitScheme } from './init';
import { generatorForward, parameterShapes, type GeneratorSpec } from './network';

/** Mean over the central pixels of the std over the batch of the predicted amplitude, over its mean. */
async function inputDependence(init: InitScheme, cbam: boolean): Promise<number> {
  const gpu = await getTestGpu();
  const spec: GeneratorSpec = {
    N: 32,
    C: 1,
    nFiltersScale: 0.25,
    cbam,
    probeBig: true,
    ampActivation: 'sigmoid',
    init,
  };
  const g = groupScan(toRawData(linesScan({ nImages: 32, objectSize: 96, seed: 3 })), {
    gridsize: 1,
    K: 4,
    nGroups: 32,
    seed: 1,
    nphotons: 1e9,
  });
  const w = initParameters(spec, 1);
  const amp = await gpu.tidyAsync(async () => {
    const params = new Map<string, Tensor>();
    for (const [name, shape] of parameterShapes(spec)) params.set(name, gpu.tensor(shape, 'f32', w.get(name)!));
    return gpu.read(generatorForward(gpu, params, spec, gpu.tensor([32, 1, 32, 32], 'f32', g.X)).amp);
  });
  let spread = 0,
    level = 0;
  for (let y = 12; y < 20; y++)
    for (let x = 12; x < 20; x++) {
      const v = Array.from({ length: 32 }, (_, b) => amp[b * 1024 + y * 32 + x]);
      const m = v.reduce((s, a) => s + a, 0) / v.length;
      spread += Math.sqrt(v.reduce((s, a) => s + (a - m) ** 2, 0) / v.length);
      level += m;
    }
  return spread / level;
}

describe('a fresh generator and its input', () => {
  it("'kaiming' predicts amplitudes that follow the input; PyTorch's default barely does (N 32 · scale 0.25, with and without CBAM)", async () => {
    for (const cbam of [false, true]) {
      const torch = await inputDependence('torch_default', cbam);
      const kaiming = await inputDependence('kaiming', cbam);
      expect(torch, `torch_default, cbam ${cbam}`).toBeLessThan(1e-5);
      expect(kaiming, `kaiming, cbam ${cbam}`).toBeGreaterThan(1e-4);
      expect(kaiming / torch, `cbam ${cbam}`).toBeGreaterThan(1000);
    }
  });
});
