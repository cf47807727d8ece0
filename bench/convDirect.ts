/**
 * Tiled implicit-GEMM conv2d (conv2d.ts) vs the register-blocked direct conv2d (conv2dDirect.ts) on the current
 * adapter: GFLOP/s of forward, input gradient and weight gradient at B=16, Cin=Cout=32, 64×64, k=3, each as a
 * fraction of the FMA peak (fma_peak.wgsl). Run:
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node --import ./scripts/node-register.mjs bench/convDirect.ts [--iters=N] [--quick]
 * The tiled weight gradient is internal to conv2d.ts, so it is timed as (tape forward + backward) − forward −
 * input gradient.
 */
import { Gpu } from '../src/gpu/runtime';
import { measurePeak, time } from './peak';
import { Tape } from '../src/gpu/tape';
import { conv2d, conv2dRaw } from '../src/gpu/ops/conv2d';
import { conv2dDirectRaw, conv2dDirectWeightGrad, type DirectBlock } from '../src/gpu/ops/conv2dDirect';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const iters = Number(args.find((a) => a.startsWith('--iters='))?.slice(8) ?? (quick ? 1 : 3));

async function main(): Promise<void> {
  const gpu = await Gpu.create();
  const out: Record<string, unknown> = { adapter: gpu.adapter };

  const peak = await measurePeak(gpu, { iters });
  out.peak_fma_gflops = peak;

  const [B, Cin, Cout, H] = quick ? [2, 16, 16, 32] : [16, 32, 32, 64];
  out.shape = `B=${B} Cin=${Cin} Cout=${Cout} ${H}x${H} k=3`;
  const flops = 2 * B * H * H * Cin * Cout * 9;
  const fill = (n: number, v: number) => new Float32Array(n).map((_, i) => (v * (((i * 7919) % 13) - 6)) / 6);
  const x = gpu.keep(gpu.tensor([B, Cin, H, H], 'f32', fill(B * Cin * H * H, 0.5)));
  const w = gpu.keep(gpu.tensor([Cout, Cin, 3, 3], 'f32', fill(Cout * Cin * 9, 0.01)));
  const b = gpu.keep(gpu.tensor([Cout], 'f32', new Float32Array(Cout)));
  const g = gpu.keep(gpu.tensor([B, Cout, H, H], 'f32', fill(B * Cout * H * H, 1)));
  const rate = (t: number) => ({ gflops: flops / t / 1e9, fraction_of_peak: flops / t / 1e9 / peak, ms: t * 1e3 });

  // Tiled (existing).
  const tFwd = await time(gpu, iters, () => gpu.tidy(() => void conv2dRaw(gpu, x, w, b, true, false)));
  const tIg = await time(gpu, iters, () => gpu.tidy(() => void conv2dRaw(gpu, g, w, null, false, true)));
  x.requiresGrad = w.requiresGrad = true;
  const tAll = await time(gpu, iters, () =>
    gpu.tidy(() => {
      const tape = new Tape(gpu);
      const y = tape.run(() => conv2d(gpu, x, w, null));
      tape.gradients(y, [x, w], g);
    }),
  );
  x.requiresGrad = w.requiresGrad = false;
  out.tiled = { fwd: rate(tFwd), igrad: rate(tIg), wgrad: rate(Math.max(tAll - tFwd - tIg, 1e-9)) };

  // Direct (generated straight-line kernels), several block shapes.
  const blocks: DirectBlock[] = quick
    ? [{ px: 4, oc: 4, wg: 64 }]
    : [
        { px: 4, oc: 4, wg: 64 },
        { px: 8, oc: 4, wg: 64 },
        { px: 4, oc: 8, wg: 64 },
        { px: 8, oc: 8, wg: 64 },
      ];
  const direct: Record<string, unknown> = {};
  for (const blk of blocks) {
    const fwd = conv2dDirectRaw;
    const wgrad = conv2dDirectWeightGrad;
    const tf = await time(gpu, iters, () => gpu.tidy(() => void fwd(gpu, x, w, b, true, false, blk)));
    const ti = await time(gpu, iters, () => gpu.tidy(() => void fwd(gpu, g, w, null, false, true, blk)));
    const tw = await time(gpu, iters, () => gpu.tidy(() => void wgrad(gpu, x, g, w, blk)));
    direct[`unrolled_px${blk.px}_oc${blk.oc}_wg${blk.wg}`] = {
      fwd: rate(tf),
      igrad: rate(ti),
      wgrad: rate(tw),
    };
    console.error(`done unrolled px${blk.px} oc${blk.oc}`);
  }
  out.direct = direct;
  // Re-measured at the end: other processes on the machine make the adapter's throughput drift.
  out.peak_fma_gflops_end = await measurePeak(gpu, { iters });
  for (const t of [x, w, b, g]) t.dispose();
  console.log(JSON.stringify(out, null, 2));
  gpu.device.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
