import axpbyWgsl from '../shaders/elementwise.wgsl?raw';
import unaryWgsl from '../shaders/unary.wgsl?raw';
import scaleShiftWgsl from '../shaders/scale_shift.wgsl?raw';
import { sumRaw } from './reduce';
import type { Gpu, KernelSpec } from '../kernel';
import { uniforms } from '../kernel';
import { record, setTapeAdd } from '../tape';
import { Tensor, sameShape } from '../tensor';

/** Elementwise arithmetic ops with their adjoints. Complex tensors are handled as 2n floats. */
const AXPBY: KernelSpec = { name: 'axpby', code: axpbyWgsl, entryPoint: 'axpby', bindings: ['read', 'read', 'rw'] };
const MUL: KernelSpec = { name: 'mul', code: axpbyWgsl, entryPoint: 'mul', bindings: ['read', 'read', 'rw'] };
const AFFINE: KernelSpec = { name: 'affine', code: unaryWgsl, entryPoint: 'affine', bindings: ['read', 'rw'] };

function checkSame(op: string, a: Tensor, b: Tensor): void {
  if (!sameShape(a.shape, b.shape) || a.dtype !== b.dtype) throw new Error(`${op}: ${a} vs ${b}`);
}

/** out = α·a + β·b (no tape). */
export function axpbyRaw(gpu: Gpu, alpha: number, a: Tensor, beta: number, b: Tensor, out?: Tensor): Tensor {
  checkSame('axpby', a, b);
  const o = out ?? gpu.tensor(a.shape, a.dtype);
  gpu.run(AXPBY, [a, b, o], uniforms().u32(a.floats).f32(alpha, beta), gpu.grid(a.floats, 256));
  return o;
}

/** out = α·x + β (no tape). */
export function affineRaw(gpu: Gpu, x: Tensor, alpha: number, beta = 0, out?: Tensor): Tensor {
  const o = out ?? gpu.tensor(x.shape, x.dtype);
  gpu.run(AFFINE, [x, o], uniforms().u32(x.floats).f32(alpha, beta), gpu.grid(x.floats, 256));
  return o;
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
  gpu.run(MUL, [a, b, o], uniforms().u32(a.floats), gpu.grid(a.floats, 256));
  record(gpu, 'mul', [a, b], [o], ([g]) => {
    if (!g) return [null, null];
    const ga = gpu.tensor(a.shape, 'f32');
    const gb = gpu.tensor(b.shape, 'f32');
    gpu.run(MUL, [g, b, ga], uniforms().u32(a.floats), gpu.grid(a.floats, 256));
    gpu.run(MUL, [g, a, gb], uniforms().u32(a.floats), gpu.grid(a.floats, 256));
    return [ga, gb];
  });
  return o;
}

setTapeAdd((gpu, a, b) => axpbyRaw(gpu, 1, a, 1, b));

const SS_FWD: KernelSpec = { name: 'scale_shift', code: scaleShiftWgsl, entryPoint: 'forward', bindings: ['read', 'read', 'read', 'rw'] };
const SS_GX: KernelSpec = { name: 'scale_shift_gx', code: scaleShiftWgsl, entryPoint: 'grad_x', bindings: ['read', 'read', 'read', 'rw'] };

/** a·x + b with GPU scalars a, b (shape [1]); gradients to x (a·g), a (Σ g·x) and b (Σ g). */
export function scaleShift(gpu: Gpu, x: Tensor, a: Tensor, b: Tensor): Tensor {
  if (x.dtype !== 'f32' || a.size !== 1 || b.size !== 1) throw new Error(`scaleShift: ${x}, ${a}, ${b}`);
  const out = gpu.tensor(x.shape, 'f32');
  gpu.run(SS_FWD, [x, a, b, out], uniforms().u32(x.size), gpu.grid(x.size, 256));
  record(gpu, 'scaleShift', [x, a, b], [out], ([g]) => {
    if (!g) return [null, null, null];
    let gx: Tensor | null = null;
    if (x.requiresGrad) {
      gx = gpu.tensor(x.shape, 'f32');
      gpu.run(SS_GX, [g, a, b, gx], uniforms().u32(x.size), gpu.grid(x.size, 256));
    }
    let ga: Tensor | null = null;
    if (a.requiresGrad) {
      const gxp = gpu.tensor(x.shape, 'f32');
      gpu.run(MUL, [g, x, gxp], uniforms().u32(x.size), gpu.grid(x.size, 256));
      ga = sumRaw(gpu, gxp);
      gxp.dispose();
    }
    return [gx, ga, b.requiresGrad ? sumRaw(gpu, g) : null];
  });
  return out;
}
