/**
 * A small, strict command-line parser: `--name value`, `--name=value`, boolean `--flag`, positionals.
 * Unknown options are refused with the list of valid ones (a typo must not be silently ignored).
 */
import { PtychoError } from '../errors';

export interface OptionSpec {
  /** 'string' | 'number' | 'int' | 'boolean' */
  type: 'string' | 'number' | 'int' | 'boolean';
  choices?: readonly string[];
  help: string;
}

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string | number | boolean | undefined>;
}

export function parseArgs(
  command: string,
  argv: string[],
  spec: Record<string, OptionSpec>,
  maxPositionals: number,
): ParsedArgs {
  const options: ParsedArgs['options'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq >= 0 ? eq : undefined);
      const s = spec[name];
      if (!s) {
        throw new PtychoError(
          'cli-usage',
          `${command}: unknown option --${name}`,
          `valid options: ${
            Object.keys(spec)
              .map((k) => `--${k}`)
              .join(', ') || '(none)'
          }`,
        );
      }
      if (s.type === 'boolean') {
        if (eq >= 0) throw new PtychoError('cli-usage', `${command}: --${name} takes no value`, `write --${name}`);
        options[name] = true;
        continue;
      }
      let raw: string | undefined;
      if (eq >= 0) raw = a.slice(eq + 1);
      else raw = argv[++i];
      if (raw === undefined) throw new PtychoError('cli-usage', `${command}: --${name} needs a value`, s.help);
      options[name] = convert(command, name, raw, s);
    } else {
      positionals.push(a);
    }
  }
  if (positionals.length > maxPositionals) {
    throw new PtychoError(
      'cli-usage',
      `${command}: unexpected argument(s) ${positionals.slice(maxPositionals).join(' ')}`,
      `run \`ptychopinn help\` for usage`,
    );
  }
  return { positionals, options };
}

function convert(command: string, name: string, raw: string, s: OptionSpec): string | number {
  if (s.type === 'string') {
    if (s.choices && !s.choices.includes(raw)) {
      throw new PtychoError('cli-usage', `${command}: --${name} ${raw} is not one of ${s.choices.join(', ')}`, s.help);
    }
    return raw;
  }
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || (s.type === 'int' && !Number.isInteger(v))) {
    throw new PtychoError(
      'cli-usage',
      `${command}: --${name} expects ${s.type === 'int' ? 'an integer' : 'a number'}, got "${raw}"`,
      s.help,
    );
  }
  return v;
}

export function usageLines(spec: Record<string, OptionSpec>): string {
  return Object.entries(spec)
    .map(
      ([k, s]) => `  --${k}${s.type === 'boolean' ? '' : ` <${s.choices ? s.choices.join('|') : s.type}>`}  ${s.help}`,
    )
    .join('\n');
}
