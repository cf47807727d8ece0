/**
 * out = α·a + β·b without a tape: the one kernel the tape itself needs (to sum the gradients of a tensor used twice),
 * kept apart from the taped elementwise ops (src/gpu/ops/elementwise.ts) so src/gpu/tape.ts can import it directly.
 */
import axpbyWgsl from '../shaders/elementwise.wgsl?raw';
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
