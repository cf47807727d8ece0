/** `ptychopinn bench …` — the same runs as `npm run bench` (bench/run.ts). */
import type { CliIO } from './io';

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { runBench } = await import('../../bench/run');
  const json = argv.includes('--json');
  const result = await runBench(argv, (line) => (json ? io.err(line) : io.out(line)));
  io.out(json ? JSON.stringify(result) : JSON.stringify(result, null, 2));
  return 0;
}
