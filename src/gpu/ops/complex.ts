import complexBody from '../shaders/complex.wgsl?raw';
import mathWgsl from '../shaders/math.wgsl?raw';
import type { Gpu, KernelSpec } from '../kernel';
import { uniforms } from '../kernel';
import { record } from '../tape';
import type { Tensor } from '../tensor';
import { sameShape } from '../tensor';
import { copyRangeRaw } from './copyRange';

/**
 * Complex-number ops (interleaved re/im) with adjoints in the real-pair convention:
 * combine (amp·e^{iφ}), multiply by a broadcast complex factor (object × probe), |z|, real/imag split and join.
 */
const complexWgsl = mathWgsl + complexBody;
const B4 = ['read', 'read', 'rw', 'rw'] as const;
const k = (entryPoint: string): KernelSpec => ({ name: `complex_${entryPoint}`, code: complexWgsl, entryPoint, bindings: B4 });
const COMBINE = k('combine');
const COMBINE_GRAD = k('combine_grad');
const CMUL = k('cmul');
const CMUL_CONJ = k('cmul_conj');
const CMUL_GRAD_B = k('cmul_grad_b');
const CABS = k('cabs');
const CABS_GRAD = k('cabs_grad');
const CABS2 = k('cabs2');
const CABS2_GRAD = k('cabs2_grad');
const SPLIT = k('split');
const JOIN = k('join');

/** z = amp·exp(i·phase) (reference CombineComplex). */
export function combineComplex(gpu: Gpu, amp: Tensor, phase: Tensor): Tensor {
  if (!sameShape(amp.shape, phase.shape) || amp.dtype !== 'f32' || phase.dtype !== 'f32') {
    throw new Error(`combineComplex: amp ${amp} and phase ${phase} must be equal-shaped f32`);
  }
  const n = amp.size;
  const z = gpu.tensor(amp.shape, 'c64');
  gpu.run(COMBINE, [amp, phase, z, gpu.dummy], uniforms().u32(n), gpu.grid(n, 256));
  record(gpu, 'combineComplex', [amp, phase], [z], ([g]) => {
    if (!g) return [null, null];
    const both = gpu.tensor([2, ...amp.shape], 'f32');
    gpu.run(COMBINE_GRAD, [amp, phase, both, g], uniforms().u32(n), gpu.grid(n, 256));
    const [ga, gp] = splitHalves(gpu, both, amp.shape);
    both.dispose();
    return [ga, gp];
  });
  return z;
}


function splitHalves(gpu: Gpu, both: Tensor, shape: readonly number[]): [Tensor, Tensor] {
  const n = both.size / 2;
  const a = gpu.tensor(shape, 'f32');
  const b = gpu.tensor(shape, 'f32');
  copyRangeRaw(gpu, both, 0, a, 0, n);
  copyRangeRaw(gpu, both, n, b, 0, n);
  return [a, b];
}

/**
 * out = x · f where f (complex) is broadcast over x's leading dims: f.size must divide x.size and match its
 * trailing elements (e.g. patches (B,C,N,N) × probe (N,N)).
 */
export function complexMul(gpu: Gpu, x: Tensor, f: Tensor): Tensor {
  if (x.dtype !== 'c64' || f.dtype !== 'c64' || x.size % f.size !== 0) {
    throw new Error(`complexMul: ${x} × ${f}: both complex, factor size must divide`);
  }
  const n = x.size;
  const nb = f.size;
  const out = gpu.tensor(x.shape, 'c64');
  gpu.run(CMUL, [x, f, out, gpu.dummy], uniforms().u32(n, nb, n / nb), gpu.grid(n, 256));
  record(gpu, 'complexMul', [x, f], [out], ([g]) => {
    if (!g) return [null, null];
    let gx: Tensor | null = null;
    let gf: Tensor | null = null;
    if (x.requiresGrad) {
      gx = gpu.tensor(x.shape, 'c64');
      gpu.run(CMUL_CONJ, [g, f, gx, gpu.dummy], uniforms().u32(n, nb, n / nb), gpu.grid(n, 256));
    }
    if (f.requiresGrad) {
      gf = gpu.tensor(f.shape, 'c64');
      gpu.run(CMUL_GRAD_B, [g, x, gf, gpu.dummy], uniforms().u32(n, nb, n / nb), gpu.grid(nb, 256));
    }
    return [gx, gf];
  });
  return out;
}

/** |z| → f32. Gradient g·z/|z| (0 at z = 0). */
export function cabs(gpu: Gpu, z: Tensor): Tensor {
  if (z.dtype !== 'c64') throw new Error(`cabs: ${z} is not complex`);
  const n = z.size;
  const out = gpu.tensor(z.shape, 'f32');
  gpu.run(CABS, [z, z, out, gpu.dummy], uniforms().u32(n), gpu.grid(n, 256));
  record(gpu, 'cabs', [z], [out], ([g]) => {
    if (!g) return [null];
    const gz = gpu.tensor(z.shape, 'c64');
    gpu.run(CABS_GRAD, [z, g, gz, gpu.dummy], uniforms().u32(n), gpu.grid(n, 256));
    return [gz];
  });
  return out;
}

/** |z|² → f32 (intensity). Gradient 2z·g. */
export function cabs2(gpu: Gpu, z: Tensor): Tensor {
  if (z.dtype !== 'c64') throw new Error(`cabs2: ${z} is not complex`);
  const n = z.size;
  const out = gpu.tensor(z.shape, 'f32');
  gpu.run(CABS2, [z, z, out, gpu.dummy], uniforms().u32(n), gpu.grid(n, 256));
  record(gpu, 'cabs2', [z], [out], ([g]) => {
    if (!g) return [null];
    const gz = gpu.tensor(z.shape, 'c64');
    gpu.run(CABS2_GRAD, [z, g, gz, gpu.dummy], uniforms().u32(n), gpu.grid(n, 256));
    return [gz];
  });
  return out;
}

/** (Re z, Im z). */
export function splitComplex(gpu: Gpu, z: Tensor): [Tensor, Tensor] {
  const n = z.size;
  const re = gpu.tensor(z.shape, 'f32');
  const im = gpu.tensor(z.shape, 'f32');
  gpu.run(SPLIT, [z, z, re, im], uniforms().u32(n), gpu.grid(n, 256));
  record(gpu, 'splitComplex', [z], [re, im], ([gr, gi]) => {
    const zr = gr ?? gpu.zeros(z.shape, 'f32');
    const zi = gi ?? gpu.zeros(z.shape, 'f32');
    const gz = gpu.tensor(z.shape, 'c64');
    gpu.run(JOIN, [zr, zi, gz, gpu.dummy], uniforms().u32(n), gpu.grid(n, 256));
    if (!gr) zr.dispose();
    if (!gi) zi.dispose();
    return [gz];
  });
  return [re, im];
}

/** re + i·im. */
export function joinComplex(gpu: Gpu, re: Tensor, im: Tensor): Tensor {
  if (!sameShape(re.shape, im.shape)) throw new Error(`joinComplex: ${re} vs ${im}`);
  const n = re.size;
  const z = gpu.tensor(re.shape, 'c64');
  gpu.run(JOIN, [re, im, z, gpu.dummy], uniforms().u32(n), gpu.grid(n, 256));
  record(gpu, 'joinComplex', [re, im], [z], ([g]) => {
    if (!g) return [null, null];
    const gr = gpu.tensor(re.shape, 'f32');
    const gi = gpu.tensor(re.shape, 'f32');
    gpu.run(SPLIT, [g, g, gr, gi], uniforms().u32(n), gpu.grid(n, 256));
    return [gr, gi];
  });
  return z;
}
