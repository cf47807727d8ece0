import { toRawData } from '../pipeline/contract';
import { readArrayFile } from '../pipeline/npz';
import { formatSummary, summarize } from '../pipeline/summary';
import { parseArgs, type OptionSpec } from './args';
import { fileNameOf, type CliIO } from './io';
import { PtychoError } from '../errors';

const OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'print one JSON object on stdout' },
};

/** `ptychopinn inspect FILE [--json]`: check a scan against the data contract and summarise it. */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { positionals, options } = parseArgs('inspect', argv, OPTIONS, 1);
  const path = positionals[0];
  if (!path) throw new PtychoError('cli-usage', 'inspect: missing FILE', 'usage: ptychopinn inspect FILE [--json]');
  const fileName = fileNameOf(path);
  const arrays = readArrayFile(io.readFile(path), { fileName });
  const raw = toRawData(arrays, { fileName });
  const summary = summarize(arrays, raw, fileName);
  if (options.json) io.out(JSON.stringify(summary));
  else io.out(formatSummary(summary));
  return 0;
}
