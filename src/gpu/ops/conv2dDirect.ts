/**
 * conv2d for software adapters (SwiftShader): a register-blocked direct convolution with no workgroup memory and
 * no barriers. Same contracts as `convRaw` / `weightGradRaw` in conv2d.ts. The forward and weight-gradient entry
 * points are straight-line WGSL generated per kernel size and block shape (conv2dDirectGen.ts; SwiftShader's
 * Subzero backend neither unrolls loops nor keeps small local arrays in registers), appended to
 * conv2d_direct.wgsl (the weight packing) and sum_splits.wgsl (the split reduction, shared with conv2d.ts). Block
 * shapes are compile-time constants (K, PX, OC) prepended to the WGSL source, one pipeline per shape.
 */
import directWgsl from '../shaders/conv2d_direct.wgsl?raw';
import indexWgsl from '../shaders/index.wgsl?raw';
import sumSplitsWgsl from '../shaders/sum_splits.wgsl?raw';
import type { Gpu } from '../runtime';
import { defineKernel, type Access, type Kernel, type Scalar } from '../kernelDecl';
import type { Tensor } from '../tensor';
import { generateUnrolled } from './conv2dDirectGen';

export interface DirectBlock {
  /** Adjacent output pixels of one row per invocation. */
  px: number;
  /** Output channels per invocation (a multiple of 4). */
  oc: number;
  /** Workgroup size. */
  wg: number;
}
/**
 * Defaults = the fastest measured on SwiftShader (bench/convDirect.ts, B 16, 32→32, 64×64, 3×3): the 8 pixels ×
 * 8 channels block (fwd ≈ 56 %, input grad ≈ 52 %, weight grad ≈ 47 % of the FMA peak).
 */
export const DIRECT_FWD_DEFAULT: DirectBlock = { px: 8, oc: 8, wg: 64 };
export const DIRECT_WGRAD_DEFAULT: DirectBlock = { px: 8, oc: 8, wg: 64 };

const shape = { B: 'u32', Cin: 'u32', H: 'u32', W: 'u32', Cout: 'u32' } as const;
/** Params fields and storage bindings of each entry point (of conv2d_direct.wgsl and the generated ones). */
const ENTRIES = {
  /** out[i] = Σ_s part[s·n + i] */
  sum_splits: { params: { n: 'u32', splits: 'u32' }, bindings: { part: 'read', out: 'rw' } },
  /** out = Wt repacked as [c][tap][CP] (flipped and in/out-swapped for the input gradient) */
  pack_w: { params: { Cin: 'u32', Cout: 'u32', flags: 'u32', CP: 'u32' }, bindings: { Wt: 'read', out: 'rw' } },
  /** out = conv2d(X, W4) (+ ReLU), W4 = pack_w(Wt); flags bit 1: the input gradient conv_transpose(X = g, Wt) */
  fwd_u: { params: { ...shape, flags: 'u32', CP: 'u32' }, bindings: { X: 'read', W4: 'read', out: 'rw' } },
  /** out = conv2d(X, W4) + bias (+ ReLU) */
  fwd_u_bias: {
    params: { ...shape, flags: 'u32', CP: 'u32' },
    bindings: { X: 'read', W4: 'read', bias: 'read', out: 'rw' },
  },
  /** Adjoint of conv2d w.r.t. the weight, split over image rows: out[s, o, c, ky, kx] = Σ_{rows of s} G[b,o,y,x]·X[b,c,y+ky−p,x+kx−p] */
  wgrad_u: {
    params: { ...shape, splits: 'u32', rows: 'u32', n: 'u32' },
    bindings: { X: 'read', G: 'read', out: 'rw' },
  },
} as const satisfies Record<
  string,
  { params: Readonly<Record<string, Scalar>>; bindings: Readonly<Record<string, Access>> }
>;
type Entry = keyof typeof ENTRIES;
type ParamsOf<E extends Entry> = keyof (typeof ENTRIES)[E]['params'] & string;
type BindingsOf<E extends Entry> = keyof (typeof ENTRIES)[E]['bindings'] & string;

const kernels = new Map<string, Kernel>();
/** The kernel for `entryPoint` with block `blk`; K, PX and OC are prepended as WGSL constants (one module per shape). */
function kernel<E extends Entry>(entryPoint: E, k: number, blk: DirectBlock): Kernel<ParamsOf<E>, BindingsOf<E>> {
  const name = `conv2d_direct_u_${entryPoint}_k${k}_px${blk.px}_oc${blk.oc}_wg${blk.wg}`;
  let kn = kernels.get(name);
  if (!kn) {
    const head = `const K: u32 = ${k}u;\nconst PX: u32 = ${blk.px}u;\nconst OC: u32 = ${blk.oc}u;\n`;
    const code = `${head}${indexWgsl}${directWgsl}\n${sumSplitsWgsl}\n${generateUnrolled(k, blk.px, blk.oc)}`;
    const { params, bindings } = ENTRIES[entryPoint] as (typeof ENTRIES)[Entry];
    kn = defineKernel<string>({ name, code, entryPoint, params, bindings, workgroupSize: blk.wg });
    kernels.set(name, kn);
  }
  return kn as Kernel<ParamsOf<E>, BindingsOf<E>>;
}
/** Dispatch `entryPoint` over `total` invocations (1-D, folded grid). */
function run<E extends Entry>(
  gpu: Gpu,
  [entryPoint, k, blk]: [E, number, DirectBlock],
  bufs: Record<BindingsOf<E>, Tensor>,
  p: Record<ParamsOf<E>, number>,
  total: number,
): void {
  gpu.run(kernel(entryPoint, k, blk), bufs, p, gpu.grid(total, blk.wg));
}

/**
 * The checked sizes of a conv of x with w: x's channels are w's inputs, or its outputs when `transposed` (x is then
 * the output gradient of the forward conv with weight w and Cout its input channels).
 */
function dims(x: Tensor, w: Tensor, transposed: boolean) {
  if (x.shape.length !== 4 || w.shape.length !== 4 || x.dtype !== 'f32' || w.dtype !== 'f32') {
    throw new Error(`conv2dDirect: expected real NCHW input and OIHW weight, got ${x}, ${w}`);
  }
  const [B, Cin, H, W] = x.shape;
  const [O, I, kh, kw] = w.shape;
  if (kh !== kw || kh % 2 !== 1) throw new Error(`conv2dDirect: odd square kernels only, got ${w}`);
  if (Cin !== (transposed ? O : I)) throw new Error(`conv2dDirect: weight ${w} does not fit input ${x}`);
  return { B, Cin, H, W, Cout: transposed ? I : O, kk: kh };
}

/**
 * Forward (transposed = false): y = conv2d(x, w) + b, ReLU-fused if `relu`. Transposed: x is the output gradient
 * [B, Cout_fwd, H, W] and w the forward weight [Cout_fwd, Cin_fwd, k, k]; the result is the input gradient
 * [B, Cin_fwd, H, W]. The weight is packed into vec4 quads of output channels first.
 */
export function conv2dDirectRaw(
  gpu: Gpu,
  x: Tensor,
  w: Tensor,
  b: Tensor | null,
  relu: boolean,
  transposed: boolean,
  blk: DirectBlock = DIRECT_FWD_DEFAULT,
): Tensor {
  const { B, Cin, H, W, Cout, kk } = dims(x, w, transposed);
  if (b && b.size !== Cout) throw new Error(`conv2dDirect: bias ${b} for ${Cout} channels`);
  const CP = Math.ceil(Cout / blk.oc) * blk.oc;
  const flags = (relu ? 1 : 0) | (transposed ? 2 : 0);
  const u = { B, Cin, H, W, Cout, flags, CP };
  const wp = gpu.tensor([Cin * kk * kk * CP], 'f32');
  run(gpu, ['pack_w', kk, blk], { Wt: w, out: wp }, { Cin, Cout, flags, CP }, Cin * kk * kk * CP);
  const out = gpu.tensor([B, Cout, H, W], 'f32');
  const total = B * Math.ceil(Cout / blk.oc) * H * Math.ceil(W / blk.px);
  if (b) run(gpu, ['fwd_u_bias', kk, blk], { X: x, W4: wp, bias: b, out }, u, total);
  else run(gpu, ['fwd_u', kk, blk], { X: x, W4: wp, out }, u, total);
  wp.dispose();
  return out;
}

/** Weight gradient dW[o, c, ky, kx] = Σ_{b,y,x} g[b,o,y,x]·x[b,c,y+ky−p,x+kx−p]; result has w's shape. */
export function conv2dDirectWeightGrad(
  gpu: Gpu,
  x: Tensor,
  g: Tensor,
  w: Tensor,
  blk: DirectBlock = DIRECT_WGRAD_DEFAULT,
): Tensor {
  const { B, Cin, H, W, Cout, kk } = dims(x, w, false);
  if (g.shape.length !== 4 || g.shape[0] !== B || g.shape[1] !== Cout || g.shape[2] !== H || g.shape[3] !== W) {
    throw new Error(`conv2dDirect: weight grad shapes x ${x}, g ${g}, w ${w} do not fit`);
  }
  const per = Math.ceil(Cout / blk.oc) * Cin;
  const R = B * H;
  // Split the B·H image rows so that ≥ ~4096 invocations run (each over ≥ 1 row).
  const want = Math.max(1, Math.min(R, Math.ceil(4096 / per)));
  const rows = Math.ceil(R / want);
  const splits = Math.ceil(R / rows);
  const n = Cout * Cin * kk * kk;
  const u = { B, Cin, H, W, Cout, splits, rows, n };
  const out = gpu.tensor(w.shape, 'f32');
  if (splits === 1) {
    run(gpu, ['wgrad_u', kk, blk], { X: x, G: g, out }, u, per);
    return out;
  }
  const part = gpu.tensor([splits, n], 'f32');
  run(gpu, ['wgrad_u', kk, blk], { X: x, G: g, out: part }, u, splits * per);
  run(gpu, ['sum_splits', kk, blk], { part, out }, { splits, n }, n);
  part.dispose();
  return out;
}
