/**
 * Complex-number ops (interleaved re/im) with adjoints in the real-pair convention:
 * combine (amp·e^{iφ}), multiply by a broadcast complex factor (object × probe), |z|, real/imag split and join.
 */
import complexBody from '../shaders/complex.wgsl?raw';
import mathWgsl from '../shaders/math.wgsl?raw';
import type { Gpu } from '../runtime';
import { kernelFamily } from '../kernelDecl';
import { record } from '../tape';
import type { Tensor } from '../tensor';
import { sameShape } from '../tensor';

const kernel = kernelFamily({
  prefix: 'complex_',
  params: { n: 'u32', nb: 'u32', reps: 'u32', conj_f: 'u32' },
  bindings: {
    amp: 'read', // combine: amplitude (n)
    phase: 'read', // combine: phase (n)
    x: 'read', // cmul: the full-size complex factor (2n)
    f: 'read', // cmul: the broadcast complex factor (2nb)
    z: 'read', // a complex input (2n)
    g: 'read', // upstream gradient (complex 2n or real n)
    re: 'read', // join: real part (n)
    im: 'read', // join: imaginary part (n)
    out: 'rw',
    out_re: 'rw', // split: Re z (n)
    out_im: 'rw', // split: Im z (n)
  },
  lib: mathWgsl,
  code: complexBody,
});
// n elements; a factor of nb elements broadcast reps = n / nb times.
const N = { n: 'u32' } as const;
/** out = amp·exp(i·phase) */
const COMBINE = kernel('combine', N, { amp: 'read', phase: 'read', out: 'rw' }, 'n');
/** Adjoint of combine: out = [Re(g·e^{-iφ}) | amp·Im(g·e^{-iφ})] = [g_amp | g_phase] */
const COMBINE_GRAD = kernel('combine_grad', N, { amp: 'read', phase: 'read', g: 'read', out: 'rw' }, 'n');
/** out = x · f (f broadcast); conj_f = 1: x · conj(f), which run on g is the adjoint w.r.t. x */
const CMUL = kernel('cmul', { n: 'u32', nb: 'u32', conj_f: 'u32' }, { x: 'read', f: 'read', out: 'rw' }, 'n');
/** Adjoint of cmul w.r.t. the broadcast factor: gf[j] = Σ_r g[j + r·nb] · conj(x[j + r·nb]) */
const CMUL_GRAD_B = kernel('cmul_grad_b', { nb: 'u32', reps: 'u32' }, { g: 'read', x: 'read', out: 'rw' }, 'nb');
/** out = |z| */
const CABS = kernel('cabs', N, { z: 'read', out: 'rw' }, 'n');
/** Adjoint of |z|: gz = g·z/|z| (0 at z = 0) */
const CABS_GRAD = kernel('cabs_grad', N, { z: 'read', g: 'read', out: 'rw' }, 'n');
/** out = |z|² */
const CABS2 = kernel('cabs2', N, { z: 'read', out: 'rw' }, 'n');
/** Adjoint of |z|²: gz = 2z·g */
const CABS2_GRAD = kernel('cabs2_grad', N, { z: 'read', g: 'read', out: 'rw' }, 'n');
/** (out_re, out_im) = (Re z, Im z); also the adjoint of join */
const SPLIT = kernel('split', N, { z: 'read', out_re: 'rw', out_im: 'rw' }, 'n');
/** out = re + i·im; also the adjoint of split */
const JOIN = kernel('join', N, { re: 'read', im: 'read', out: 'rw' }, 'n');

/** z = amp·exp(i·phase) (reference CombineComplex). */
export function combineComplex(gpu: Gpu, amp: Tensor, phase: Tensor): Tensor {
  if (!sameShape(amp.shape, phase.shape) || amp.dtype !== 'f32' || phase.dtype !== 'f32') {
    throw new Error(`combineComplex: amp ${amp} and phase ${phase} must be equal-shaped f32`);
  }
  const n = amp.size;
  const z = gpu.tensor(amp.shape, 'c64');
  gpu.run(COMBINE, { amp, phase, out: z }, { n });
  record(gpu, 'combineComplex', [amp, phase], [z], ([g]) => {
    if (!g) return [null, null];
    const both = gpu.tensor([2, ...amp.shape], 'f32');
    gpu.run(COMBINE_GRAD, { amp, phase, g, out: both }, { n });
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
  gpu.copyRange(both, 0, a, 0, n);
  gpu.copyRange(both, n, b, 0, n);
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
  gpu.run(CMUL, { x, f, out }, { n, nb, conj_f: 0 });
  record(gpu, 'complexMul', [x, f], [out], ([g]) => {
    if (!g) return [null, null];
    const gx = x.requiresGrad ? gpu.tensor(x.shape, 'c64') : null;
    const gf = f.requiresGrad ? gpu.tensor(f.shape, 'c64') : null;
    if (gx) gpu.run(CMUL, { x: g, f, out: gx }, { n, nb, conj_f: 1 });
    if (gf) gpu.run(CMUL_GRAD_B, { g, x, out: gf }, { nb, reps: n / nb });
    return [gx, gf];
  });
  return out;
}

/** A real function of z (f32 out, same shape) by kernel `fwd`, with its adjoint `grad` (g real → gz complex). */
function realOfComplex(gpu: Gpu, z: Tensor, op: string, fwd: typeof CABS, grad: typeof CABS_GRAD): Tensor {
  if (z.dtype !== 'c64') throw new Error(`${op}: ${z} is not complex`);
  const n = z.size;
  const out = gpu.tensor(z.shape, 'f32');
  gpu.run(fwd, { z, out }, { n });
  record(gpu, op, [z], [out], ([g]) => {
    if (!g) return [null];
    const gz = gpu.tensor(z.shape, 'c64');
    gpu.run(grad, { z, g, out: gz }, { n });
    return [gz];
  });
  return out;
}

/** |z| → f32. Gradient g·z/|z| (0 at z = 0). */
export function cabs(gpu: Gpu, z: Tensor): Tensor {
  return realOfComplex(gpu, z, 'cabs', CABS, CABS_GRAD);
}

/** |z|² → f32 (intensity). Gradient 2z·g. */
export function cabs2(gpu: Gpu, z: Tensor): Tensor {
  return realOfComplex(gpu, z, 'cabs2', CABS2, CABS2_GRAD);
}

/** (Re z, Im z). */
export function splitComplex(gpu: Gpu, z: Tensor): [Tensor, Tensor] {
  const n = z.size;
  const re = gpu.tensor(z.shape, 'f32');
  const im = gpu.tensor(z.shape, 'f32');
  gpu.run(SPLIT, { z, out_re: re, out_im: im }, { n });
  record(gpu, 'splitComplex', [z], [re, im], ([gr, gi]) => {
    const zr = gr ?? gpu.zeros(z.shape, 'f32');
    const zi = gi ?? gpu.zeros(z.shape, 'f32');
    const gz = gpu.tensor(z.shape, 'c64');
    gpu.run(JOIN, { re: zr, im: zi, out: gz }, { n });
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
  gpu.run(JOIN, { re, im, out: z }, { n });
  record(gpu, 'joinComplex', [re, im], [z], ([g]) => {
    if (!g) return [null, null];
    const gr = gpu.tensor(re.shape, 'f32');
    const gi = gpu.tensor(re.shape, 'f32');
    gpu.run(SPLIT, { z: g, out_re: gr, out_im: gi }, { n });
    return [gr, gi];
  });
  return z;
}
