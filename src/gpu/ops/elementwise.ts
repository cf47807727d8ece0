/** Elementwise arithmetic ops with their adjoints. Complex tensors are handled as 2n floats. */
import axpbyWgsl from '../shaders/elementwise.wgsl?raw';
import scaleShiftWgsl from '../shaders/scale_shift.wgsl?raw';
import { sumRaw } from './reduce';
import type { Gpu } from '../runtime';
import { kernelFamily } from '../kernelDecl';
import { record } from '../tape';
import { affineRaw, axpbyRaw } from './axpby';

export { affineRaw, axpbyRaw };
import { Tensor, sameShape } from '../tensor';

const N = { n: 'u32' } as const;
const affineParams = { n: 'u32', a: 'f32', b: 'f32' } as const;
const binary = kernelFamily({
  prefix: '',
  params: affineParams,
  bindings: { x: 'read', y: 'read', out: 'rw' },
  code: axpbyWgsl,
});
/** out = x·y (real); also its own adjoint: ga = g·b, gb = g·a */
const MUL = binary('mul', N, { x: 'read', y: 'read', out: 'rw' }, 'n');
function checkSame(op: string, a: Tensor, b: Tensor): void {
  if (!sameShape(a.shape, b.shape) || a.dtype !== b.dtype) throw new Error(`${op}: ${a} vs ${b}`);
}

export function add(gpu: Gpu, a: Tensor, b: Tensor): Tensor {
  const o = axpbyRaw(gpu, 1, a, 1, b);
  record(gpu, 'add', [a, b], [o], ([g]) => [g && affineRaw(gpu, g, 1), g && affineRaw(gpu, g, 1)]);
  return o;
}

export function sub(gpu: Gpu, a: Tensor, b: Tensor): Tensor {
  const o = axpbyRaw(gpu, 1, a, -1, b);
  record(gpu, 'sub', [a, b], [o], ([g]) => [g && affineRaw(gpu, g, 1), g && affineRaw(gpu, g, -1)]);
  return o;
}

/** α·x (+ β). */
export function scale(gpu: Gpu, x: Tensor, alpha: number, beta = 0): Tensor {
  const o = affineRaw(gpu, x, alpha, beta);
  record(gpu, 'scale', [x], [o], ([g]) => [g && affineRaw(gpu, g, alpha)]);
  return o;
}

/** Real elementwise product (f32 tensors). */
export function mul(gpu: Gpu, a: Tensor, b: Tensor): Tensor {
  checkSame('mul', a, b);
  if (a.dtype !== 'f32') throw new Error(`mul: real tensors only (${a}); use complex ops for c64`);
  const o = gpu.tensor(a.shape, 'f32');
  gpu.run(MUL, { x: a, y: b, out: o }, { n: a.floats });
  record(gpu, 'mul', [a, b], [o], ([g]) => {
    if (!g) return [null, null];
    const ga = gpu.tensor(a.shape, 'f32');
    const gb = gpu.tensor(b.shape, 'f32');
    gpu.run(MUL, { x: g, y: b, out: ga }, { n: a.floats });
    gpu.run(MUL, { x: g, y: a, out: gb }, { n: a.floats });
    return [ga, gb];
  });
  return o;
}

const scaleShiftKernel = kernelFamily({
  prefix: 'scale_shift_',
  params: N,
  bindings: { x: 'read', a: 'read', b: 'read', out: 'rw', g: 'read', gx: 'rw' },
  code: scaleShiftWgsl,
});
/** out = a[0]·x + b[0] */
const SS_FWD = scaleShiftKernel('forward', N, { x: 'read', a: 'read', b: 'read', out: 'rw' }, 'n', {
  name: 'scale_shift',
});
/** Adjoint of scaleShift w.r.t. x: gx = a[0]·g */
const SS_GX = scaleShiftKernel('grad_x', N, { g: 'read', a: 'read', gx: 'rw' }, 'n', { name: 'scale_shift_gx' });

/** out = a[0]·x */
const SB_FWD = scaleShiftKernel('scale_by', N, { x: 'read', a: 'read', out: 'rw' }, 'n', { name: 'scale_by_scalar' });

/** Adjoints of a[0]·x (+ b[0]) w.r.t. x (a·g) and a (Σ g·x), each when wanted. */
function scaleGrads(gpu: Gpu, g: Tensor, x: Tensor, a: Tensor): [Tensor | null, Tensor | null] {
  let gx: Tensor | null = null;
  if (x.requiresGrad) {
    gx = gpu.tensor(x.shape, 'f32');
    gpu.run(SS_GX, { g, a, gx }, { n: x.size });
  }
  let ga: Tensor | null = null;
  if (a.requiresGrad) {
    const gxp = gpu.tensor(x.shape, 'f32');
    gpu.run(MUL, { x: g, y: x, out: gxp }, { n: x.size });
    ga = sumRaw(gpu, gxp);
    gxp.dispose();
  }
  return [gx, ga];
}

/** a·x + b with GPU scalars a, b (shape [1]); gradients to x (a·g), a (Σ g·x) and b (Σ g). */
export function scaleShift(gpu: Gpu, x: Tensor, a: Tensor, b: Tensor): Tensor {
  if (x.dtype !== 'f32' || a.size !== 1 || b.size !== 1) throw new Error(`scaleShift: ${x}, ${a}, ${b}`);
  const out = gpu.tensor(x.shape, 'f32');
  gpu.run(SS_FWD, { x, a, b, out }, { n: x.size });
  record(gpu, 'scaleShift', [x, a, b], [out], ([g]) =>
    g ? [...scaleGrads(gpu, g, x, a), b.requiresGrad ? sumRaw(gpu, g) : null] : [null, null, null],
  );
  return out;
}

/**
 * s·x with a trainable GPU scalar s (shape [1], e.g. the FFNO residual gate); gradients to x (s·g) and s (Σ g·x).
 */
export function scaleByScalar(gpu: Gpu, x: Tensor, s: Tensor): Tensor {
  if (x.dtype !== 'f32' || s.size !== 1 || s.dtype !== 'f32') throw new Error(`scaleByScalar: ${x}, ${s}`);
  const out = gpu.tensor(x.shape, 'f32');
  gpu.run(SB_FWD, { x, a: s, out }, { n: x.size });
  record(gpu, 'scaleByScalar', [x, s], [out], ([g]) => (g ? scaleGrads(gpu, g, x, s) : [null, null]));
  return out;
}
