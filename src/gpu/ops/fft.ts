/**
 * Batched 2-D FFTs over the last two axes (N×N, N a power of two 8…256) and fftshift, with adjoints.
 * Conventions as torch.fft: fft2 unnormalised, ifft2 scaled 1/N². For a real loss, the adjoint of
 * y = fft2(x) is x̄ = fft2ᴴ(ȳ) = N²·ifft2(ȳ) (an unnormalised inverse), and of ifft2 it is fft2(ȳ)/N².
 */
import fftCommonWgsl from '../shaders/fft_common.wgsl?raw';
import fftWgsl from '../shaders/fft.wgsl?raw';
import fftDirectWgsl from '../shaders/fft_direct.wgsl?raw';
import shiftWgsl from '../shaders/fftshift.wgsl?raw';
import gradWgsl from '../shaders/diffract_grad.wgsl?raw';
import indexWgsl from '../shaders/index.wgsl?raw';
import { generateFftUnrolled } from './fftUnrolledGen';
import type { Gpu } from '../runtime';
import { defineKernel, kernelFamily, type KernelDecl } from '../kernelDecl';
import { perDevice } from '../deviceCache';
import { record } from '../tape';
import type { Tensor } from '../tensor';

const fftParams = { lines: 'u32', stride: 'u32', inverse: 'u32', scale: 'f32' } as const;

/** log2(N), checked: N a power of two in 8…512. */
function log2Of(N: number): number {
  const log2 = Math.log2(N);
  if (!Number.isInteger(log2) || N < 8 || N > 512) throw new RangeError(`fft: N=${N} must be a power of two in 8…512`);
  return log2;
}

/** Each variant's kernel set, one module (`code`: fft_common.wgsl + the variant's) per N, names `${prefix}…_${N}`. */
function fftKernelSet(
  prefix: string,
  N: number,
  variant: Pick<KernelDecl<keyof typeof fftParams>, 'code' | 'workgroupSize' | 'invocations' | 'constants'>,
) {
  const common = { ...variant, code: `${fftCommonWgsl}\n${variant.code}`, params: fftParams };
  return {
    /** dst = scale · FFT of each line of src (rows: stride 1, columns: stride N); inverse = conjugate twiddles */
    lines: defineKernel({
      ...common,
      name: `${prefix}lines_${N}`,
      entryPoint: 'lines',
      bindings: { src: 'read', tw: 'read', dst: 'rw' },
    }),
    /** Column pass: dst = F (unscaled), amp = fftshift(|F|)/N */
    colsAmp: defineKernel({
      ...common,
      name: `${prefix}cols_amp_${N}`,
      entryPoint: 'cols_amp',
      bindings: { src: 'read', tw: 'read', dst: 'rw', amp: 'rw' },
    }),
  };
}
type FftKernels = ReturnType<typeof fftKernelSet>;

/** One workgroup per line of N points, N/2 invocations (one butterfly each); grids are workgroup counts. */
function defineFft(N: number): FftKernels {
  const constants = { N, LOG2N: log2Of(N) };
  return fftKernelSet('fft_', N, { code: fftWgsl, workgroupSize: N / 2, constants });
}

/** Invocations per workgroup of the direct (software-adapter) kernels. */
const DIRECT_WG = 64;

/**
 * The software-adapter variant (`gpu.variants.fft === 'direct'`): one invocation per line, the line in a private
 * array, no workgroup memory or barriers (emulated on CPU adapters). Same contracts as defineFft's kernels; 1-D
 * grids over `lines`. N and LOG2N are WGSL constants (they size a function-scope array), so one module per N.
 */
function defineFftDirect(N: number): FftKernels {
  const code = `${indexWgsl}\nconst N: u32 = ${N}u;\nconst LOG2N: u32 = ${log2Of(N)}u;\n${fftDirectWgsl}`;
  return fftKernelSet('fft_direct_', N, { code, workgroupSize: DIRECT_WG, invocations: 'lines' });
}

/** The largest N of the unrolled variant (straight-line code grows as N·log N); larger N use the direct kernels. */
export const FFT_UNROLLED_MAX_N = 64;

/**
 * The unrolled software-adapter variant (`gpu.variants.fft === 'unrolled'`, N ≤ FFT_UNROLLED_MAX_N): as the
 * direct kernels, one invocation per line, but generated straight-line code (fftUnrolledGen.ts) with the line in
 * locals, constant indices and literal twiddles (the `tw` binding is declared but unused).
 */
function defineFftUnrolled(N: number): FftKernels {
  const consts = `const N: u32 = ${N}u;\nconst LOG2N: u32 = ${log2Of(N)}u;\nconst HALF: u32 = ${N / 2}u;`;
  const code = `${indexWgsl}\n${consts}\n${generateFftUnrolled(N)}`;
  return fftKernelSet('fft_unrolled_', N, { code, workgroupSize: DIRECT_WG, invocations: 'lines' });
}

const fftKernels = new Map<number, FftKernels>();
const fftDirectKernels = new Map<number, FftKernels>();
const fftUnrolledKernels = new Map<number, FftKernels>();

/** The kernels of the variant in use and their grid (workgroup counts; undefined: from `lines` via invocations). */
function fftKernelsOf(
  gpu: Gpu,
  N: number,
  lines: number,
): { k: FftKernels; grid: [number, number, number] | undefined } {
  const v = gpu.variants.fft;
  if (v === 'unrolled' && N <= FFT_UNROLLED_MAX_N) {
    let k = fftUnrolledKernels.get(N);
    if (!k) fftUnrolledKernels.set(N, (k = defineFftUnrolled(N)));
    return { k, grid: undefined };
  }
  if (v === 'direct' || v === 'unrolled') {
    let k = fftDirectKernels.get(N);
    if (!k) fftDirectKernels.set(N, (k = defineFftDirect(N)));
    return { k, grid: undefined };
  }
  let k = fftKernels.get(N);
  if (!k) fftKernels.set(N, (k = defineFft(N)));
  return { k, grid: gpu.grid(lines, 1) };
}

const twiddleCache = perDevice<number, Tensor>();

/** w_k = exp(−2πik/N), k < N/2, computed in float64; one persistent buffer per device and N. */
function twiddles(gpu: Gpu, N: number): Tensor {
  return twiddleCache(gpu, N, () => {
    const w = new Float32Array(N);
    for (let k = 0; k < N / 2; k++) {
      w[2 * k] = Math.cos((-2 * Math.PI * k) / N);
      w[2 * k + 1] = Math.sin((-2 * Math.PI * k) / N);
    }
    const t = gpu.keep(gpu.tensor([N / 2], 'c64', w));
    t.name = `twiddles${N}`;
    return t;
  });
}

function dims(x: Tensor, op: string): { N: number; images: number } {
  const s = x.shape;
  if (x.dtype !== 'c64' || s.length < 2 || s[s.length - 1] !== s[s.length - 2]) {
    throw new Error(`${op}: expected a complex (…, N, N) tensor, got ${x}`);
  }
  const N = s[s.length - 1];
  return { N, images: x.size / (N * N) };
}

/** The conventional FLOP count of `images` complex N×N transforms: 5·N²·log₂(N²) each. */
export function fftFlops(N: number, images: number): number {
  return images * 5 * N * N * Math.log2(N * N);
}

/** Raw (no tape) 2-D transform: inverse = conjugate twiddles; `scale` applied at the end. */
export function fft2Raw(gpu: Gpu, x: Tensor, inverse: boolean, scale: number, out?: Tensor): Tensor {
  const { N, images } = dims(x, 'fft2');
  const tw = twiddles(gpu, N);
  const lines = images * N;
  const { k, grid } = fftKernelsOf(gpu, N, lines);
  const tmp = gpu.tensor(x.shape, 'c64');
  const o = out ?? gpu.tensor(x.shape, 'c64');
  gpu.flops += fftFlops(N, images);
  gpu.run(k.lines, { src: x, tw, dst: tmp }, { lines, stride: 1, inverse: inverse ? 1 : 0, scale: 1 }, grid);
  gpu.run(k.lines, { src: tmp, tw, dst: o }, { lines, stride: N, inverse: inverse ? 1 : 0, scale }, grid);
  tmp.dispose();
  return o;
}

/** torch.fft.fft2 over the last two axes. */
export function fft2(gpu: Gpu, x: Tensor): Tensor {
  const o = fft2Raw(gpu, x, false, 1);
  record(gpu, 'fft2', [x], [o], ([g]) => [g && fft2Raw(gpu, g, true, 1)]);
  return o;
}

/** torch.fft.ifft2 over the last two axes. */
export function ifft2(gpu: Gpu, x: Tensor): Tensor {
  const { N } = dims(x, 'ifft2');
  const o = fft2Raw(gpu, x, true, 1 / (N * N));
  record(gpu, 'ifft2', [x], [o], ([g]) => [g && fft2Raw(gpu, g, false, 1 / (N * N))]);
  return o;
}

/** out[…, (r + sh) % h, (c + sw) % w] = x[…, r, c] (its adjoint is the opposite roll) */
const shiftParams = { n: 'u32', h: 'u32', w: 'u32', sh: 'u32', sw: 'u32', comps: 'u32' } as const;
const SHIFT = kernelFamily({
  prefix: 'fftshift_',
  params: shiftParams,
  bindings: { x: 'read', out: 'rw' },
  code: shiftWgsl,
})('main', shiftParams, { x: 'read', out: 'rw' }, 'n', { name: 'fftshift' });

/** Raw roll of the last two axes by (sh, sw) (destination = source + shift, modulo). */
export function roll2Raw(gpu: Gpu, x: Tensor, sh: number, sw: number): Tensor {
  const s = x.shape;
  const H = s[s.length - 2];
  const W = s[s.length - 1];
  const o = gpu.tensor(s, x.dtype);
  gpu.run(
    SHIFT,
    { x, out: o },
    { n: x.size, h: H, w: W, sh: ((sh % H) + H) % H, sw: ((sw % W) + W) % W, comps: x.dtype === 'c64' ? 2 : 1 },
  );
  return o;
}

/** numpy/torch fftshift over the last two axes (moves index 0 to floor(n/2)). */
export function fftshift2(gpu: Gpu, x: Tensor): Tensor {
  const s = x.shape;
  const H = s[s.length - 2];
  const W = s[s.length - 1];
  const o = roll2Raw(gpu, x, Math.floor(H / 2), Math.floor(W / 2));
  record(gpu, 'fftshift2', [x], [o], ([g]) => [g && roll2Raw(gpu, g, -Math.floor(H / 2), -Math.floor(W / 2))]);
  return o;
}

/** ifftshift over the last two axes (the inverse of fftshift2; equal for even sizes). */
export function ifftshift2(gpu: Gpu, x: Tensor): Tensor {
  const s = x.shape;
  const H = s[s.length - 2];
  const W = s[s.length - 1];
  const o = roll2Raw(gpu, x, -Math.floor(H / 2), -Math.floor(W / 2));
  record(gpu, 'ifftshift2', [x], [o], ([g]) => [g && roll2Raw(gpu, g, Math.floor(H / 2), Math.floor(W / 2))]);
  return o;
}

/** Adjoint of A = fftshift(|F|)/N w.r.t. F: out = ifftshift(g) · F / (|F|·N) (0 where F = 0) */
const DIFFRACT_GRAD = kernelFamily({
  prefix: 'diffract_grad_',
  params: { n: 'u32', N: 'u32' },
  bindings: {
    F: { access: 'read', type: 'array<vec2<f32>>' },
    g: 'read',
    out: { access: 'rw', type: 'array<vec2<f32>>' },
  },
  code: gradWgsl,
})('main', { n: 'u32', N: 'u32' }, { F: 'read', g: 'read', out: 'rw' }, 'n', { name: 'diffract_grad' });

/**
 * The amplitude forward model's far-field step (reference `pad_and_diffract(pad=False)`):
 * A = sqrt(fftshift(|fft2 ψ|²) / N²) = fftshift(|F|)/N, ψ complex (…, N, N) → A real (…, N, N).
 * Fused: the column pass writes F (kept for the adjoint) and A in one go.
 */
export function padAndDiffract(gpu: Gpu, psi: Tensor): Tensor {
  const { N, images } = dims(psi, 'padAndDiffract');
  const tw = twiddles(gpu, N);
  const lines = images * N;
  const { k, grid } = fftKernelsOf(gpu, N, lines);
  const tmp = gpu.tensor(psi.shape, 'c64');
  const F = gpu.tensor(psi.shape, 'c64');
  const A = gpu.tensor(psi.shape, 'f32');
  gpu.flops += fftFlops(N, images);
  gpu.run(k.lines, { src: psi, tw, dst: tmp }, { lines, stride: 1, inverse: 0, scale: 1 }, grid);
  gpu.run(k.colsAmp, { src: tmp, tw, dst: F, amp: A }, { lines, stride: N, inverse: 0, scale: 1 }, grid);
  tmp.dispose();
  if (!gpu.tape || !psi.requiresGrad) {
    F.dispose();
    return A;
  }
  record(gpu, 'padAndDiffract', [psi], [A], ([g]) => {
    if (!g) return [null];
    const G = gpu.tensor(psi.shape, 'c64');
    gpu.run(DIFFRACT_GRAD, { F, g, out: G }, { n: psi.size, N });
    const out = fft2Raw(gpu, G, true, 1);
    G.dispose();
    return [out];
  });
  return A;
}
