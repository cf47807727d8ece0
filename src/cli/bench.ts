import { describeAdapter } from '../gpu/device';
import { Gpu } from '../gpu/kernel';
import type { CliIO } from './io';

/** `ptychopinn bench [--kernels] [--grouping] [--train] [--quick] [--json]` — the same runs as `npm run bench`. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const quick = argv.includes('--quick');
  const which = argv.filter((a) => a !== '--quick' && a !== '--json');
  const all = which.length === 0;
  const gpu = await Gpu.create();
  try {
    const result: Record<string, unknown> = { adapter: describeAdapter(gpu.adapter), isFallbackAdapter: gpu.adapter.isFallbackAdapter };
    if (all || which.includes('--kernels')) result.kernels = await (await import('../../bench/kernels')).benchKernels(gpu, { quick });
    if (all || which.includes('--grouping')) result.grouping = await (await import('../../bench/grouping')).benchGrouping();
    if (all || which.includes('--train')) result.training = await (await import('../../bench/training')).benchTraining(gpu, { quick });
    io.out(argv.includes('--json') ? JSON.stringify(result) : JSON.stringify(result, null, 2));
    return 0;
  } finally {
    gpu.destroy();
  }
}
