/**
 * `npm run bench -- [--kernels] [--quick] [--json]` — benchmarks, never tests (design.md §6.5).
 * Prints the adapter and the numbers; with --json one JSON object on stdout.
 */
import { Gpu } from '../src/gpu/kernel';
import { describeAdapter } from '../src/gpu/device';
import { benchKernels } from './kernels';

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const itersArg = argv.find((a) => a.startsWith('--iters='));
  const iters = itersArg ? Number(itersArg.slice(8)) : undefined;
  const which = argv.filter((a) => !a.startsWith('--quick') && !a.startsWith('--json') && !a.startsWith('--iters='));
  const all = which.length === 0;
  const gpu = await Gpu.create();
  const result: Record<string, unknown> = { adapter: describeAdapter(gpu.adapter), isFallbackAdapter: gpu.adapter.isFallbackAdapter, date: new Date().toISOString() };
  if (all || which.includes('--kernels')) result.kernels = await benchKernels(gpu, { quick, iters });
  if (all || which.includes('--grouping')) {
    try {
      const { benchGrouping } = await import('./grouping');
      result.grouping = await benchGrouping();
    } catch (e) {
      result.grouping = `unavailable: ${(e as Error).message}`;
    }
  }
  if (all || which.includes('--train')) {
    const { benchTraining } = await import('./training');
    result.training = await benchTraining(gpu, { quick });
  }
  if (json) process.stdout.write(JSON.stringify(result) + '\n');
  else console.log(JSON.stringify(result, null, 2));
  gpu.destroy();
  return 0;
}

main(process.argv.slice(2)).then(
  (c) => process.exit(c),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
