/**
 * Fresh weights of the generator (src/model/network.ts), by the config's init_scheme:
 *  - 'torch_default': PyTorch's defaults, as the reference (kaiming_uniform_(a=√5) ⇒ weights and biases
 *    U(±1/√fan_in)). Its weights shrink a signal about 2.4× per ReLU layer and its biases dominate, so the output
 *    of a fresh network barely depends on its input (measured: the spread of the output over a batch is 1e-7 of its
 *    mean at N 32 · scale 0.25) — the flat basin training starts in and, on many seeds, stays in.
 *  - 'tf_glorot': Glorot uniform U(±√(6/(fan_in + fan_out))), zero biases (TF's Keras default, the reference's
 *    TF-parity recipe).
 *  - 'kaiming': He uniform for ReLU U(±√(6/fan_in)), zero biases, which keeps a signal's size through every ReLU
 *    layer; the last convolution of each head (amplitude, phase) is scaled by HEAD_GAIN so a fresh network predicts
 *    a nearly constant object whose deviations still follow the input — every gradient informative from step one.
 * The four forward-model scalars start at 1. Draws come from our seeded Rng (not torch's), in state_dict order.
 */
import type { ModelConfig } from '../config/schema';
import { Rng } from '../numerics/random';
import { parameterShapes, type GeneratorSpec } from './network';

export type InitScheme = ModelConfig['init_scheme'];

/** The 'kaiming' scheme's factor on each head's last convolutions. */
export const HEAD_GAIN = 0.1;

/** The last convolutions of the amplitude and phase heads (Decoder_last conv1, and conv2 of the probe_big path). */
const HEAD_OUTPUT = /\.(amp|phase)\.conv[12]\.weight$/;

/** fan_in and fan_out of a conv (O, I, k, k) or linear (O, I) weight. */
function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/** The bound b of U(±b) for a weight, and whether its layer's bias is drawn (else zero), per scheme. */
function weightBound(scheme: InitScheme, name: string, shape: readonly number[]): number {
  const { fanIn, fanOut } = fans(shape);
  if (scheme === 'tf_glorot') return Math.sqrt(6 / (fanIn + fanOut));
  if (scheme === 'kaiming') return Math.sqrt(6 / fanIn) * (HEAD_OUTPUT.test(name) ? HEAD_GAIN : 1);
  return 1 / Math.sqrt(fanIn);
}

export function initParameters(spec: GeneratorSpec, seed: number): Map<string, Float32Array> {
  const scheme = spec.init ?? 'torch_default';
  const rng = new Rng(seed);
  const out = new Map<string, Float32Array>();
  const shapes = parameterShapes(spec);
  const weightShape = new Map(shapes.filter(([n]) => n.endsWith('.weight')).map(([n, s]) => [n.slice(0, -7), s]));
  for (const [name, shape] of shapes) {
    const a = new Float32Array(shape.reduce((x, y) => x * y, 1));
    if (name.startsWith('model.forward_model.')) a.fill(1);
    else if (name.endsWith('.bias')) {
      // Biases: PyTorch draws them U(±1/√fan_in) of their layer's weight; the other schemes start them at zero.
      if (scheme === 'torch_default') {
        const bound = 1 / Math.sqrt(fans(weightShape.get(name.slice(0, -5)) ?? [1, 1]).fanIn);
        for (let i = 0; i < a.length; i++) a[i] = rng.range(-bound, bound);
      }
    } else {
      const bound = weightBound(scheme, name, shape);
      for (let i = 0; i < a.length; i++) a[i] = rng.range(-bound, bound);
    }
    out.set(name, a);
  }
  return out;
}
