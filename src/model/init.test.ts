// Fresh generator weights (src/model/init.ts): each scheme's bounds, zero biases where it says so, the heads' gain,
// the forward-model scalars at 1, and PyTorch's scheme drawing exactly what it always drew.
import { describe, expect, it } from 'vitest';
import { Rng } from '../numerics/random';
import { HEAD_GAIN, initParameters, type InitScheme } from './init';
import { parameterShapes, type GeneratorSpec } from './network';

const spec = (init: InitScheme): GeneratorSpec => ({
  N: 32,
  C: 4,
  nFiltersScale: 0.25,
  cbam: true,
  probeBig: true,
  ampActivation: 'sigmoid',
  init,
});

const fanIn = (shape: number[]) => shape.slice(1).reduce((a, b) => a * b, 1);
const fanOut = (shape: number[]) => shape[0] * shape.slice(2).reduce((a, b) => a * b, 1);
const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('initParameters', () => {
  it("'torch_default' draws weights and biases U(±1/√fan_in) in state_dict order from the seed (unchanged draws)", () => {
    const w = initParameters(spec('torch_default'), 5);
    const rng = new Rng(5);
    const shapes = parameterShapes(spec('torch_default'));
    const weightOf = new Map(shapes.map(([n, s]) => [n, s]));
    for (const [name, shape] of shapes) {
      const a = w.get(name)!;
      if (name.startsWith('model.forward_model.')) {
        expect([...a]).toEqual([1]);
        continue;
      }
      const ws = weightOf.get(name.replace(/\.bias$/, '.weight'))!;
      const bound = 1 / Math.sqrt(fanIn(ws));
      const expected = Float32Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => rng.range(-bound, bound));
      expect(a, name).toEqual(expected);
    }
  });

  it("'tf_glorot' and 'kaiming' draw within their bounds with zero biases; 'kaiming' scales each head's last convolutions", () => {
    for (const scheme of ['tf_glorot', 'kaiming'] as const) {
      const w = initParameters(spec(scheme), 11);
      for (const [name, shape] of parameterShapes(spec(scheme))) {
        const a = w.get(name)!;
        if (name.startsWith('model.forward_model.')) expect([...a]).toEqual([1]);
        else if (name.endsWith('.bias')) expect(maxAbs(a), name).toBe(0);
        else {
          const head = /\.(amp|phase)\.conv[12]\.weight$/.test(name);
          const bound =
            scheme === 'tf_glorot'
              ? Math.sqrt(6 / (fanIn(shape) + fanOut(shape)))
              : Math.sqrt(6 / fanIn(shape)) * (head ? HEAD_GAIN : 1);
          expect(maxAbs(a), name).toBeLessThanOrEqual(bound);
          // Uniform on ±bound: the largest of ≥ 8 draws is well past half the bound (not a scaled-down draw).
          if (a.length >= 8) expect(maxAbs(a), name).toBeGreaterThan(0.5 * bound);
        }
      }
    }
    const heads = [...initParameters(spec('kaiming'), 11).keys()].filter((n) =>
      /\.(amp|phase)\.conv[12]\.weight$/.test(n),
    );
    expect(heads).toEqual([
      'model.autoencoder.decoder_amp.amp.conv1.weight',
      'model.autoencoder.decoder_amp.amp.conv2.weight',
      'model.autoencoder.decoder_phase.phase.conv1.weight',
      'model.autoencoder.decoder_phase.phase.conv2.weight',
    ]);
  });
});
