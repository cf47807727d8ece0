/**
 * The untaped linear kernels: out = α·a + β·b, which the tape itself needs (to sum the gradients of a tensor used
 * twice), and out = α·x + β, which reductions use for their adjoints. Kept apart from the taped elementwise ops
 * (src/gpu/ops/elementwise.ts) so src/gpu/tape.ts and src/gpu/ops/reduce.ts import them without a cycle.
 */
import axpbyWgsl from '../shaders/elementwise.wgsl?raw';
import unaryWgsl from '../shaders/unary.wgsl?raw';
import type { Gpu } from '../runtime';
import { kernelFamily } from '../kernelDecl';
import { sameShape, type Tensor } from '../tensor';

const params = { n: 'u32', a: 'f32', b: 'f32' } as const;
const AXPBY = kernelFamily({
  prefix: '',
  params,
  bindings: { x: 'read', y: 'read', out: 'rw' },
  code: axpbyWgsl,
})('axpby', params, { x: 'read', y: 'read', out: 'rw' }, 'n');

/** out = α·a + β·b (no tape). */
export function axpbyRaw(gpu: Gpu, alpha: number, a: Tensor, beta: number, b: Tensor, out?: Tensor): Tensor {
  if (!sameShape(a.shape, b.shape) || a.dtype !== b.dtype) throw new Error(`axpby: ${a} vs ${b}`);
  const o = out ?? gpu.tensor(a.shape, a.dtype);
  gpu.run(AXPBY, { x: a, y: b, out: o }, { n: a.floats, a: alpha, b: beta });
  return o;
}

/** out = a·x + b */
const AFFINE = kernelFamily({
  prefix: '',
  params,
  bindings: { x: 'read', out: 'rw' },
  code: unaryWgsl,
})('affine', params, { x: 'read', out: 'rw' }, 'n');

/** out = α·x + β (no tape). */
export function affineRaw(gpu: Gpu, x: Tensor, alpha: number, beta = 0, out?: Tensor): Tensor {
  const o = out ?? gpu.tensor(x.shape, x.dtype);
  gpu.run(AFFINE, { x, out: o }, { n: x.floats, a: alpha, b: beta });
  return o;
}
