/** The adapter's plain FMA throughput ("peak"), the yardstick of every GFLOP/s fraction in the benchmarks. */
import indexWgsl from '../src/gpu/shaders/index.wgsl?raw';
import fmaWgsl from '../src/gpu/shaders/fma_peak.wgsl?raw';
import type { Gpu } from '../src/gpu/runtime';
import { defineKernel } from '../src/gpu/kernelDecl';

const FLOPS_PER_ROUND = 64; // 8 independent vec4 FMA chains

export async function time(gpu: Gpu, iters: number, fn: () => void): Promise<number> {
  fn();
  await gpu.sync();
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) fn();
  await gpu.sync();
  return (performance.now() - t0) / 1000 / iters;
}

/** GFLOP/s of `threads` invocations × `rounds` rounds of FMA chains. */
export async function measurePeak(
  gpu: Gpu,
  o: { threads?: number; rounds?: number; iters?: number } = {},
): Promise<number> {
  const threads = o.threads ?? 1 << 18;
  const rounds = o.rounds ?? 1024;
  const FMA = defineKernel({
    name: 'fma_peak',
    code: indexWgsl + fmaWgsl,
    entryPoint: 'main',
    params: { n: 'u32', seed: 'f32' },
    bindings: { out: 'rw' },
    workgroupSize: 256,
    invocations: 'n',
    constants: { ITERS: rounds },
  });
  const out = gpu.keep(gpu.tensor([threads], 'f32'));
  const t = await time(gpu, o.iters ?? 3, () => gpu.run(FMA, { out }, { n: threads, seed: 0.5 }));
  out.dispose();
  return (threads * rounds * FLOPS_PER_ROUND) / t / 1e9;
}
