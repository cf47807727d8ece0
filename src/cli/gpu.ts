/**
 * `ptychopinn gpu [--adapter auto|hardware|software] [--json]`: the adapters Dawn sees (info, fallback, key limits,
 * features), the Vulkan driver (ICD json) files on this machine, and which adapter the mode picks and why
 * (src/gpu/adapterChoice.ts). Also exports the `--adapter` option the GPU commands share.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADAPTER_MODES, adapterName } from '../gpu/adapterChoice';
import { setAdapterMode, surveyAdapters, type AdapterSummary } from '../gpu/device';
import { parseArgs, type OptionSpec } from './args';
import type { CliIO } from './io';

export const ADAPTER_OPTION: OptionSpec = {
  type: 'string',
  choices: ADAPTER_MODES,
  help: 'auto (default; env PTYCHOPINN_ADAPTER): a hardware GPU when Dawn finds one, else SwiftShader; hardware: refuse a software adapter; software: always SwiftShader',
};

/** Applies `--adapter` (before any GPU work; PTYCHOPINN_ADAPTER is checked here too). */
export function applyAdapterOption(o: Record<string, unknown>): void {
  setAdapterMode(o.adapter as string | undefined);
}

/** One line for logs: the adapter and why it was chosen. */
export function adapterLine(a: AdapterSummary): string {
  return `adapter: ${adapterName(a)}${a.isFallbackAdapter ? ' (software: slow)' : ''}; ${a.choice.reason}`;
}

const OPTIONS: Record<string, OptionSpec> = {
  adapter: ADAPTER_OPTION,
  json: { type: 'boolean', help: 'print one JSON object on stdout' },
};

/** The standard Vulkan driver directories the loader searches on Linux (plus XDG ones we do not list). */
export const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];

export interface IcdFile {
  path: string;
  /** The directory it was found in, or the variable that names it. */
  source: string;
  exists: boolean;
  /** The driver library the json points at (ICD.library_path), when readable. */
  library?: string;
}

function icdOf(path: string, source: string): IcdFile {
  const f: IcdFile = { path, source, exists: existsSync(path) };
  try {
    const j = JSON.parse(readFileSync(path, 'utf8')) as { ICD?: { library_path?: string } };
    if (j.ICD?.library_path) f.library = j.ICD.library_path;
  } catch {
    // missing or not json: listed as found
  }
  return f;
}

/** The ICD json files in the standard directories and those VK_ICD_FILENAMES / VK_ADD_DRIVER_FILES name. */
export function listIcdFiles(env: { VK_ICD_FILENAMES?: string; VK_ADD_DRIVER_FILES?: string }): IcdFile[] {
  const out: IcdFile[] = [];
  for (const dir of ICD_DIRS) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.json'));
    } catch {
      continue;
    }
    for (const n of names.sort()) out.push(icdOf(join(dir, n), dir));
  }
  for (const v of ['VK_ICD_FILENAMES', 'VK_ADD_DRIVER_FILES'] as const) {
    for (const p of (env[v] ?? '').split(':').filter(Boolean)) out.push(icdOf(p, v));
  }
  return out;
}

const LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupsPerDimension',
] as const;

async function report(mode: string | undefined) {
  const s = await surveyAdapters({ mode });
  const adapters = s.adapters.map(({ adapter, info }, i) => ({
    ...info,
    chosen: s.choice?.index === i,
    limits: Object.fromEntries(LIMITS.map((k) => [k, adapter.limits[k]])),
    features: [...adapter.features].map(String).sort(),
  }));
  return {
    runtime: s.runtime,
    mode: s.mode,
    vulkanDrivers: s.drivers,
    env: s.env,
    // What the loader was given (the user's variables, or ours: src/gpu/adapterChoice.ts vulkanEnvPlan).
    icdFiles: listIcdFiles(process.env),
    adapters,
    chosen: s.choice ? { ...s.choice, adapter: adapterName(s.adapters[s.choice.index].info) } : null,
    error: s.error ? { message: s.error.message, hint: s.error.hint } : null,
  };
}

function print(r: Awaited<ReturnType<typeof report>>, io: CliIO): void {
  io.out(`runtime: ${r.runtime}; adapter mode: ${r.mode}; Vulkan drivers: ${r.vulkanDrivers}`);
  io.out(`Vulkan driver files (ICD json):`);
  if (r.icdFiles.length === 0) io.out('  (none found)');
  for (const f of r.icdFiles)
    io.out(`  ${f.path} [${f.source}]${f.exists ? '' : ' (missing)'}${f.library ? ` → ${f.library}` : ''}`);
  io.out(`adapters Dawn sees (${r.adapters.length}):`);
  for (const a of r.adapters) {
    io.out(`${a.chosen ? '* ' : '  '}${adapterName(a)}${a.isFallbackAdapter ? ' (software / fallback)' : ''}`);
    io.out(`    limits: ${LIMITS.map((k) => `${k} ${a.limits[k]}`).join(', ')}`);
    io.out(`    features: ${a.features.join(', ') || '(none)'}`);
  }
  if (r.chosen) io.out(`chosen: ${r.chosen.adapter} — ${r.chosen.reason}`);
  else if (r.error) io.out(`chosen: none — ${r.error.message}\nhint: ${r.error.hint}`);
}

export async function run(argv: string[], io: CliIO): Promise<number> {
  const { options: o } = parseArgs('gpu', argv, OPTIONS, 0);
  const r = await report(o.adapter as string | undefined);
  if (o.json) io.out(JSON.stringify(r));
  else print(r, io);
  return r.chosen ? 0 : 2;
}
