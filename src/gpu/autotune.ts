/**
 * A short measured choice of kernel variants for the adapter at hand: the conv2d forward, input and weight
 * gradients (tiled with workgroup memory, or register-blocked direct) and the FFT (workgroup-memory butterflies,
 * or one line per invocation, with loops or as generated straight-line code), each timed on a representative
 * shape; the fastest wins. Tiling is right on GPUs, the direct kernels on software adapters where barriers are
 * emulated, but drivers differ, so we measure. Results are cached per adapter for as long as the page or process
 * lives.
 */
import type { Gpu, KernelVariants } from './runtime';
import { conv2dRaw, conv2dWeightGradRaw } from './ops/conv2d';
import { fft2Raw } from './ops/fft';

export interface AutotuneResult {
  variants: KernelVariants;
  /** Milliseconds per variant, as measured. */
  ms: { conv: Record<KernelVariants['conv'], number>; fft: Record<KernelVariants['fft'], number> };
}

const cache = new Map<string, AutotuneResult>();

/** The FFT variants the autotune times (at N 32, where 'unrolled' applies). */
export const FFT_VARIANTS = ['workgroup', 'direct', 'unrolled'] as const satisfies readonly KernelVariants['fft'][];

/** The variant of least time (the first listed on a tie). */
export function fastest<V extends string>(ms: Record<V, number>): V {
  const entries = Object.entries(ms) as [V, number][];
  return entries.reduce((best, e) => (e[1] < best[1] ? e : best))[0];
}

/** Off when PTYCHOPINN_AUTOTUNE=0 (the unit tests pin variants themselves); on otherwise, and in browsers. */
export function autotuneEnabled(): boolean {
  const env = typeof process !== 'undefined' ? process.env?.PTYCHOPINN_AUTOTUNE : undefined;
  return env !== '0';
}

function adapterKey(gpu: Gpu): string {
  const a = gpu.adapter;
  return `${a.vendor}|${a.architecture}|${a.device}|${a.description}|${a.isFallbackAdapter}`;
}

async function timeMs(gpu: Gpu, reps: number, fn: () => void): Promise<number> {
  gpu.tidy(fn); // compile + warm
  await gpu.sync();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) gpu.tidy(fn);
  await gpu.sync();
  return (performance.now() - t0) / reps;
}

/** Measure and set `gpu.variants` (cached per adapter). */
export async function autotune(gpu: Gpu): Promise<AutotuneResult> {
  const key = adapterKey(gpu);
  const hit = cache.get(key);
  if (hit) {
    Object.assign(gpu.variants, hit.variants);
    return hit;
  }
  // A small generator layer (B 1, 8→8 channels, 16×16, 3×3) and 2 transforms at N 32: milliseconds on a
  // software adapter, microseconds on a GPU.
  const [B, C, H] = [1, 8, 16];
  const x = gpu.tensor([B, C, H, H], 'f32', new Float32Array(B * C * H * H).fill(0.5));
  const w = gpu.tensor([C, C, 3, 3], 'f32', new Float32Array(C * C * 9).fill(0.01));
  const z = gpu.tensor([2, 32, 32], 'c64', new Float32Array(2 * 2 * 32 * 32).fill(0.25));
  const before = { ...gpu.variants };
  try {
    const conv = {} as AutotuneResult['ms']['conv'];
    for (const v of ['tiled', 'direct'] as const) {
      gpu.variants.conv = v;
      conv[v] = await timeMs(gpu, 2, () => {
        conv2dRaw(gpu, x, w, null, true, false);
        conv2dRaw(gpu, x, w, null, false, true);
        conv2dWeightGradRaw(gpu, x, x, w);
      });
    }
    const fft = {} as AutotuneResult['ms']['fft'];
    for (const v of FFT_VARIANTS) {
      gpu.variants.fft = v;
      fft[v] = await timeMs(gpu, 3, () => void fft2Raw(gpu, z, false, 1));
    }
    const variants: KernelVariants = {
      conv: conv.direct < conv.tiled ? 'direct' : 'tiled',
      fft: fastest(fft),
    };
    Object.assign(gpu.variants, variants);
    const r = { variants, ms: { conv, fft } };
    cache.set(key, r);
    return r;
  } catch (e) {
    Object.assign(gpu.variants, before);
    throw e;
  } finally {
    for (const t of [x, w, z]) t.dispose();
  }
}
