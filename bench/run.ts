/**
 * `npm run bench -- [--gpu] [--kernels] [--grouping] [--train [--profile [--preset=ci,…]]] [--quick] [--adapter=MODE] [--json]` —
 * benchmarks, never tests (bench/README.md). Prints the adapter and the numbers; with --json one JSON object on
 * stdout (progress on stderr).
 *   (no flags)  presets that finish within a few minutes on the adapter at hand: on a software adapter the quick
 *               kernels, grouping and the CI preset (profile + throughput); on a GPU the --gpu suite.
 *   --gpu       the GPU suite: FMA peak, conv/FFT fractions of it, a step profile, training and inference
 *               (predict + stitch) patterns/s of the reference's shapes, peak GPU memory.
 *   --quality   the quality benchmark (bench/quality/run.ts): presets × scan families × seeds against the truth.
 *   --solver    the iterative solver on the benchmark scan (bench/solver.ts): N 64 × 512 patterns × 30 iterations.
 *   --adapter=auto|hardware|software  which adapter (also env PTYCHOPINN_ADAPTER; src/gpu/adapterChoice.ts); the
 *               result's `adapterChoice` says which was taken and why.
 */
import { autotune, autotuneEnabled } from '../src/gpu/autotune';
import { Gpu } from '../src/gpu/runtime';
import { describeAdapter, setAdapterMode } from '../src/gpu/device';
import { benchKernels } from './kernels';
import { formatProfile, profileStep, STEP_PRESETS } from './profile';
import { measurePeak } from './peak';
import { benchSolver } from './solver';
import { benchThroughput } from './throughput';

type Log = (line: string) => void;
type Result = Record<string, unknown>;
type ThroughputRun = { preset: string; patterns: number; inferenceOnly?: boolean };

/** The step profile and throughput runners of one benchmark session (one GPU, its FMA peak, one log). */
interface Runners {
  profile(names: string[]): Promise<unknown[]>;
  throughput(runs: ThroughputRun[]): Promise<unknown[]>;
}

function runners(gpu: Gpu, peak: number, log: Log): Runners {
  return {
    profile: async (names) => {
      const out = [];
      for (const n of names) {
        const preset = STEP_PRESETS[n];
        if (!preset) throw new Error(`--preset=${n}: unknown (presets: ${Object.keys(STEP_PRESETS).join(', ')})`);
        const r = await profileStep(gpu, preset, peak);
        log(formatProfile(r));
        out.push(r);
      }
      return out;
    },
    throughput: async (runs) => {
      const out = [];
      for (const r of runs) {
        const t = await benchThroughput(gpu, STEP_PRESETS[r.preset], r);
        log(
          `${t.preset}: ${t.patterns} patterns — train ${t.train_patterns_per_second ?? '—'} patterns/s, infer + stitch ${t.infer_patterns_per_second} patterns/s, peak GPU memory ${t.peak_gpu_memory_mb} MB (model state ${t.model_state_mb} MB)`,
        );
        out.push(t);
      }
      return out;
    },
  };
}

/** The GPU suite: kernels, step profiles and the reference shapes' throughput. */
async function gpuSuite(gpu: Gpu, run: Runners, result: Result, iters: number | undefined, log: Log): Promise<void> {
  result.kernels = await benchKernels(gpu, { iters });
  result.profile = await run.profile(['ci', 'n64s2']);
  result.throughput = await run.throughput([
    { preset: 'n64s2', patterns: 1024 },
    { preset: 'n64s1g2', patterns: 1024 },
    { preset: 'n128s2', patterns: 512 },
    { preset: 'n64s1', patterns: 8192, inferenceOnly: true },
  ]);
  result.solver = await benchSolver(gpu, {}, log);
}

/** The software-adapter suite: full kernel shapes once, grouping, and the CI preset with both kernel families. */
async function softwareSuite(gpu: Gpu, run: Runners, result: Result, iters: number | undefined, log: Log) {
  // Full kernel shapes (the targets are stated there), one timed repetition each.
  result.kernels = await benchKernels(gpu, { iters: iters ?? 1 });
  const { benchGrouping } = await import('./grouping');
  result.grouping = await benchGrouping();
  // The CI preset with the GPU-style kernels (tiled conv2d, workgroup-memory FFT) and the software-adapter ones
  // (direct), side by side in the same run: the per-step profile and the throughput.
  const chosen = { ...gpu.variants };
  for (const [name, v] of [
    ['tiled', { conv: 'tiled', fft: 'workgroup' }],
    ['direct', { conv: 'direct', fft: 'direct' }],
  ] as const) {
    Object.assign(gpu.variants, v);
    log(`— kernel variants: ${JSON.stringify(v)}`);
    result[`profile_${name}`] = await run.profile(['ci']);
    result[`throughput_${name}`] = await run.throughput([{ preset: 'ci', patterns: 128 }]);
  }
  Object.assign(gpu.variants, chosen);
  result.solver = await benchSolver(gpu, {}, log);
}

/** The benchmarks the flags name (--kernels, --grouping, --scale, --profile, --train). */
async function selected(gpu: Gpu, run: Runners, result: Result, argv: string[], which: string[], log: Log) {
  const quick = argv.includes('--quick');
  const iters = itersOf(argv);
  if (which.includes('--kernels')) result.kernels = await benchKernels(gpu, { quick, iters });
  if (which.includes('--grouping')) {
    const { benchGrouping } = await import('./grouping');
    result.grouping = await benchGrouping();
  }
  if (which.includes('--scale')) {
    const { benchScale } = await import('./scale');
    result.scale = await benchScale(gpu, log);
  }
  if (which.includes('--solver')) result.solver = await benchSolver(gpu, {}, log);
  if (which.includes('--profile'))
    result.profile = await run.profile((argv.find((a) => a.startsWith('--preset='))?.slice(9) ?? 'ci').split(','));
  else if (which.includes('--train')) {
    const names = (argv.find((a) => a.startsWith('--preset='))?.slice(9) ?? (quick ? 'ci' : 'n64s2')).split(',');
    result.throughput = await run.throughput(names.map((preset) => ({ preset, patterns: quick ? 128 : 512 })));
  }
}

function itersOf(argv: string[]): number | undefined {
  const itersArg = argv.find((a) => a.startsWith('--iters='));
  return itersArg ? Number(itersArg.slice(8)) : undefined;
}

/** `--adapter=MODE` or `--adapter MODE`: applied (before any GPU work) and taken out of the arguments. */
function takeAdapterFlag(argv: string[]): string[] {
  const i = argv.findIndex((a) => a === '--adapter' || a.startsWith('--adapter='));
  if (i < 0) return argv;
  const spaced = argv[i] === '--adapter';
  setAdapterMode(spaced ? (argv[i + 1] ?? '') : argv[i].slice('--adapter='.length));
  return argv.filter((_, j) => j !== i && !(spaced && j === i + 1));
}

/** Run the benchmarks `argv` selects; progress lines go to `log`, the JSON result is returned. */
export async function runBench(args: string[], log: Log): Promise<Result> {
  const argv = takeAdapterFlag(args);
  if (argv.includes('--quality')) {
    const { benchQuality, qualityOptions } = await import('./quality/run');
    const { summaryTable } = await import('./quality/summary');
    const r = await benchQuality(qualityOptions(argv), log);
    log(summaryTable(r.summary));
    return { suite: 'quality', date: new Date().toISOString(), ...r };
  }
  const iters = itersOf(argv);
  const which = argv.filter(
    (a) =>
      a.startsWith('--') &&
      !['--quick', '--json'].includes(a) &&
      !a.startsWith('--iters=') &&
      !a.startsWith('--preset='),
  );
  const gpu = await Gpu.create();
  if (autotuneEnabled()) gpu.tuning = await autotune(gpu);
  const fallback = gpu.adapter.isFallbackAdapter;
  const suite =
    which.includes('--gpu') || (which.length === 0 && !fallback) ? 'gpu' : which.length === 0 ? 'software' : null;
  const result: Result = {
    adapter: describeAdapter(gpu.adapter),
    isFallbackAdapter: fallback,
    adapterChoice: gpu.adapter.choice,
    date: new Date().toISOString(),
    suite: suite ?? which.join(' '),
  };
  result.autotune = gpu.tuning;
  log(`adapter choice (${gpu.adapter.choice.mode}): ${gpu.adapter.choice.reason}`);
  log(`adapter: ${result.adapter}; kernel variants ${JSON.stringify(gpu.variants)} (autotune)`);
  const peak = await measurePeak(gpu, { threads: fallback ? 1 << 18 : 1 << 22, rounds: fallback ? 1024 : 4096 });
  result.peak_fma_gflops = +peak.toFixed(2);
  log(`FMA peak: ${peak.toFixed(2)} GFLOP/s`);

  const run = runners(gpu, peak, log);
  if (suite === 'gpu') await gpuSuite(gpu, run, result, iters, log);
  else if (suite === 'software') await softwareSuite(gpu, run, result, iters, log);
  else await selected(gpu, run, result, argv, which, log);
  result.peak_gpu_memory_mb = +(gpu.memory().peakInUseBytes / 1e6).toFixed(1);
  gpu.destroy();

  return result;
}
