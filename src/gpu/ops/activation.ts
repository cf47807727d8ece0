/**
 * Pointwise activations of the generator with exact derivatives. Transcendentals use the accurate float32
 * versions in math.wgsl (WGSL built-ins are too loose on some adapters for parity with PyTorch).
 */
import body from '../shaders/activation.wgsl?raw';
import mathWgsl from '../shaders/math.wgsl?raw';
import type { Gpu } from '../runtime';
import { kernelFamily } from '../kernelDecl';
import { record } from '../tape';
import type { Tensor } from '../tensor';

/**
 * `gelu` is torch's exact nn.GELU(): x·Φ(x) = ½x(1 + erf(x/√2)), derivative Φ(x) + x·φ(x). `sqrtClamped` and
 * `log1pClamped` are √max(x, 0) and log1p(max(x, 0)), the spectral generators' input transforms (derivative 0 where
 * x ≤ 0; the network input needs no gradient).
 */
export type Activation =
  'relu' | 'sigmoid' | 'silu' | 'softplus' | 'tanh' | 'piTanh' | 'gelu' | 'sqrtClamped' | 'log1pClamped';
const MODES: Record<Activation, number> = {
  relu: 0,
  sigmoid: 1,
  silu: 2,
  softplus: 3,
  tanh: 4,
  piTanh: 5,
  gelu: 6,
  sqrtClamped: 7,
  log1pClamped: 8,
};
const params = { n: 'u32', mode: 'u32' } as const;
const kernel = kernelFamily({
  prefix: 'activation_',
  params,
  bindings: { x: 'read', g: 'read', out: 'rw' },
  lib: mathWgsl,
  code: body,
});
/** out = f(x) */
const FWD = kernel('forward', params, { x: 'read', out: 'rw' }, 'n', { name: 'activation_fwd' });
/** Adjoint: out = g · f'(x) */
const BWD = kernel('backward', params, { x: 'read', g: 'read', out: 'rw' }, 'n', { name: 'activation_bwd' });

export function activationRaw(gpu: Gpu, x: Tensor, kind: Activation): Tensor {
  if (x.dtype !== 'f32') throw new Error(`activation ${kind}: ${x} is not real`);
  const out = gpu.tensor(x.shape, 'f32');
  gpu.run(FWD, { x, out }, { n: x.size, mode: MODES[kind] });
  return out;
}

/** g·f'(x) (no tape). */
export function activationGradRaw(gpu: Gpu, x: Tensor, g: Tensor, kind: Activation): Tensor {
  const out = gpu.tensor(x.shape, 'f32');
  gpu.run(BWD, { x, g, out }, { n: x.size, mode: MODES[kind] });
  return out;
}

export function activation(gpu: Gpu, x: Tensor, kind: Activation): Tensor {
  const out = activationRaw(gpu, x, kind);
  record(gpu, kind, [x], [out], ([g]) => [g && activationGradRaw(gpu, x, g, kind)]);
  return out;
}

export const relu = (gpu: Gpu, x: Tensor) => activation(gpu, x, 'relu');
export const sigmoid = (gpu: Gpu, x: Tensor) => activation(gpu, x, 'sigmoid');
export const silu = (gpu: Gpu, x: Tensor) => activation(gpu, x, 'silu');
export const softplus = (gpu: Gpu, x: Tensor) => activation(gpu, x, 'softplus');
export const tanh = (gpu: Gpu, x: Tensor) => activation(gpu, x, 'tanh');
export const piTanh = (gpu: Gpu, x: Tensor) => activation(gpu, x, 'piTanh');
export const gelu = (gpu: Gpu, x: Tensor) => activation(gpu, x, 'gelu');
