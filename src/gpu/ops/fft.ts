import fftWgsl from '../shaders/fft.wgsl?raw';
import shiftWgsl from '../shaders/fftshift.wgsl?raw';
import gradWgsl from '../shaders/diffract_grad.wgsl?raw';
import type { Gpu, KernelSpec } from '../kernel';
import { uniforms } from '../kernel';
import { record } from '../tape';
import type { Tensor } from '../tensor';

/**
 * Batched 2-D FFTs over the last two axes (N×N, N a power of two 8…256) and fftshift, with adjoints.
 * Conventions as torch.fft: fft2 unnormalised, ifft2 scaled 1/N². For a real loss, the adjoint of
 * y = fft2(x) is x̄ = fft2ᴴ(ȳ) = N²·ifft2(ȳ) (an unnormalised inverse), and of ifft2 it is fft2(ȳ)/N².
 */
function specs(N: number) {
  const log2 = Math.log2(N);
  if (!Number.isInteger(log2) || N < 8 || N > 512) throw new RangeError(`fft: N=${N} must be a power of two in 8…512`);
  const constants = { N, LOG2N: log2, HALF: N / 2 };
  const b = ['read', 'read', 'rw', 'rw'] as const;
  return {
    lines: { name: `fft_lines_${N}`, code: fftWgsl, entryPoint: 'lines', bindings: b, constants } as KernelSpec,
    colsAmp: { name: `fft_cols_amp_${N}`, code: fftWgsl, entryPoint: 'cols_amp', bindings: b, constants } as KernelSpec,
  };
}

const twiddleCache = new WeakMap<Gpu, Map<number, Tensor>>();

/** w_k = exp(−2πik/N), k < N/2, computed in float64; one persistent buffer per N. */
function twiddles(gpu: Gpu, N: number): Tensor {
  let m = twiddleCache.get(gpu);
  if (!m) twiddleCache.set(gpu, (m = new Map()));
  let t = m.get(N);
  if (!t) {
    const w = new Float32Array(N);
    for (let k = 0; k < N / 2; k++) {
      w[2 * k] = Math.cos((-2 * Math.PI * k) / N);
      w[2 * k + 1] = Math.sin((-2 * Math.PI * k) / N);
    }
    t = gpu.keep(gpu.tensor([N / 2], 'c64', w));
    t.name = `twiddles${N}`;
    m.set(N, t);
  }
  return t;
}

function dims(x: Tensor, op: string): { N: number; images: number } {
  const s = x.shape;
  if (x.dtype !== 'c64' || s.length < 2 || s[s.length - 1] !== s[s.length - 2]) {
    throw new Error(`${op}: expected a complex (…, N, N) tensor, got ${x}`);
  }
  const N = s[s.length - 1];
  return { N, images: x.size / (N * N) };
}

/** Raw (no tape) 2-D transform: inverse = conjugate twiddles; `scale` applied at the end. */
export function fft2Raw(gpu: Gpu, x: Tensor, inverse: boolean, scale: number, out?: Tensor): Tensor {
  const { N, images } = dims(x, 'fft2');
  const k = specs(N);
  const tw = twiddles(gpu, N);
  const lines = images * N;
  const tmp = gpu.tensor(x.shape, 'c64');
  const o = out ?? gpu.tensor(x.shape, 'c64');
  const grid = gpu.grid(lines, 1);
  gpu.run(k.lines, [x, tw, tmp, gpu.dummy], uniforms().u32(lines, 1, inverse ? 1 : 0).f32(1), grid);
  gpu.run(k.lines, [tmp, tw, o, gpu.dummy], uniforms().u32(lines, N, inverse ? 1 : 0).f32(scale), grid);
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

const SHIFT: KernelSpec = { name: 'fftshift', code: shiftWgsl, entryPoint: 'main', bindings: ['read', 'rw'] };

/** Raw roll of the last two axes by (sh, sw) (destination = source + shift, modulo). */
export function roll2Raw(gpu: Gpu, x: Tensor, sh: number, sw: number): Tensor {
  const s = x.shape;
  const H = s[s.length - 2];
  const W = s[s.length - 1];
  const o = gpu.tensor(s, x.dtype);
  const u = uniforms().u32(x.size, H, W, ((sh % H) + H) % H, ((sw % W) + W) % W, x.dtype === 'c64' ? 2 : 1);
  gpu.run(SHIFT, [x, o], u, gpu.grid(x.size, 256));
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

const DIFFRACT_GRAD: KernelSpec = { name: 'diffract_grad', code: gradWgsl, entryPoint: 'main', bindings: ['read', 'read', 'rw'] };

/**
 * The amplitude forward model's far-field step (reference `pad_and_diffract(pad=False)`):
 * A = sqrt(fftshift(|fft2 ψ|²) / N²) = fftshift(|F|)/N, ψ complex (…, N, N) → A real (…, N, N).
 * Fused: the column pass writes F (kept for the adjoint) and A in one go.
 */
export function padAndDiffract(gpu: Gpu, psi: Tensor): Tensor {
  const { N, images } = dims(psi, 'padAndDiffract');
  const k = specs(N);
  const tw = twiddles(gpu, N);
  const lines = images * N;
  const grid = gpu.grid(lines, 1);
  const tmp = gpu.tensor(psi.shape, 'c64');
  const F = gpu.tensor(psi.shape, 'c64');
  const A = gpu.tensor(psi.shape, 'f32');
  gpu.run(k.lines, [psi, tw, tmp, gpu.dummy], uniforms().u32(lines, 1, 0).f32(1), grid);
  gpu.run(k.colsAmp, [tmp, tw, F, A], uniforms().u32(lines, N, 0).f32(1), grid);
  tmp.dispose();
  if (!gpu.tape || !psi.requiresGrad) {
    F.dispose();
    return A;
  }
  record(gpu, 'padAndDiffract', [psi], [A], ([g]) => {
    if (!g) return [null];
    const G = gpu.tensor(psi.shape, 'c64');
    gpu.run(DIFFRACT_GRAD, [F, g, G], uniforms().u32(psi.size, N), gpu.grid(psi.size, 256));
    const out = fft2Raw(gpu, G, true, 1);
    G.dispose();
    return [out];
  });
  return A;
}
