/**
 * Kernel micro-benchmarks: GFLOP/s of conv2d forward / input gradient / weight gradient (both variants) and of the batched FFT at N = 64,
 * batch 16, each also as a fraction of a plain FMA-throughput kernel on the same adapter ("peak").
 * Timing = wall clock around `iters` repetitions after a warm-up, bracketed by queue drains.
 */
import type { Gpu } from '../src/gpu/runtime';
import { conv2dRaw, conv2dWeightGradRaw } from '../src/gpu/ops/conv2d';
import { fft2 } from '../src/gpu/ops/fft';
import { measurePeak, time } from './peak';

export interface KernelBenchOptions {
  quick?: boolean;
  iters?: number;
}

export async function benchKernels(gpu: Gpu, o: KernelBenchOptions = {}): Promise<Record<string, number | string>> {
  const quick = !!o.quick;
  const iters = o.iters ?? (quick ? 2 : 10);
  const out: Record<string, number | string> = {};

  // Peak: FMA chains.
  const peak = await measurePeak(gpu, { threads: quick ? 65536 : 1 << 20, rounds: quick ? 256 : 2048, iters });
  out.peak_fma_gflops = peak;

  // Conv: B=16, 64×64, 32→32 channels, 3×3 (a representative encoder layer at N = 64), or a quick shape; forward,
  // input gradient and weight gradient timed apart, for each kernel variant (tiled: workgroup memory; direct:
  // register-blocked, for software adapters), side by side in the same run.
  const [B, Cin, Cout, H] = quick ? [2, 16, 16, 32] : [16, 32, 32, 64];
  out.conv_shape = `B=${B} Cin=${Cin} Cout=${Cout} ${H}x${H} k=3`;
  const flops = 2 * B * H * H * Cin * Cout * 9;
  const x = gpu.keep(gpu.tensor([B, Cin, H, H], 'f32', new Float32Array(B * Cin * H * H).fill(0.5)));
  const w = gpu.keep(gpu.tensor([Cout, Cin, 3, 3], 'f32', new Float32Array(Cout * Cin * 9).fill(0.01)));
  const b = gpu.keep(gpu.tensor([Cout], 'f32', new Float32Array(Cout)));
  const g = gpu.keep(gpu.tensor([B, Cout, H, H], 'f32', new Float32Array(B * Cout * H * H).fill(0.25)));
  const chosen = gpu.variants.conv;
  out.conv_variant_in_use = chosen;
  for (const v of ['tiled', 'direct'] as const) {
    gpu.variants.conv = v;
    const tFwd = await time(gpu, iters, () => gpu.tidy(() => void conv2dRaw(gpu, x, w, b, true, false)));
    const tIg = await time(gpu, iters, () => gpu.tidy(() => void conv2dRaw(gpu, g, w, null, false, true)));
    const tWg = await time(gpu, iters, () => gpu.tidy(() => void conv2dWeightGradRaw(gpu, x, g, w)));
    for (const [k, t] of [
      ['fwd', tFwd],
      ['igrad', tIg],
      ['wgrad', tWg],
    ] as const) {
      out[`conv_${v}_${k}_gflops`] = +(flops / t / 1e9).toFixed(3);
      out[`conv_${v}_${k}_fraction_of_peak`] = +(flops / t / 1e9 / peak).toFixed(4);
    }
  }
  gpu.variants.conv = chosen;
  for (const t of [x, w, b, g]) t.dispose();

  // FFT: N = 64, batch 16, complex 2-D: 5·N²·log2(N²) flops each; both variants.
  const N = 64;
  const batch = 16;
  const z = gpu.keep(gpu.tensor([batch, N, N], 'c64', new Float32Array(2 * batch * N * N).fill(0.25)));
  const chosenFft = gpu.variants.fft;
  out.fft_variant_in_use = chosenFft;
  for (const v of ['workgroup', 'direct', 'unrolled'] as const) {
    gpu.variants.fft = v;
    const tFft = await time(gpu, iters * 4, () => gpu.tidy(() => void fft2(gpu, z)));
    out[`fft_${v}_gflops`] = +((batch * 5 * N * N * Math.log2(N * N)) / tFft / 1e9).toFixed(3);
    out[`fft_${v}_fraction_of_peak`] = +((out[`fft_${v}_gflops`] as number) / peak).toFixed(4);
    out[`fft_${v}_ms`] = +(tFft * 1e3).toFixed(2);
  }
  gpu.variants.fft = chosenFft;
  z.dispose();
  return out;
}
