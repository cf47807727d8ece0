/**
 * Which WebGPU adapter to use, and why (pure: no GPU, no fs, no env reads; src/gpu/device.ts feeds it).
 *
 * Modes (`--adapter`, env `PTYCHOPINN_ADAPTER`): `auto` (default) takes the first hardware adapter and falls back
 * to a software one (SwiftShader first) only when there is none; `hardware` refuses to run without a hardware
 * adapter; `software` takes the software adapter even when a GPU is present.
 *
 * In Node the Vulkan loader reads its driver list when Dawn's instance is created, so the plan for the environment
 * comes first (`vulkanEnvPlan`): auto adds SwiftShader next to the system drivers (VK_ADD_DRIVER_FILES), software
 * replaces them with it (VK_ICD_FILENAMES), and a VK_ICD_FILENAMES the user set is left alone.
 */
import { PtychoError } from '../errors';

export const ADAPTER_MODES = ['auto', 'hardware', 'software'] as const;
export type AdapterMode = (typeof ADAPTER_MODES)[number];

/** One adapter Dawn (or the browser) offers: GPUAdapterInfo's strings plus the fallback flag. */
export interface AdapterCandidate {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  /** 'discrete GPU' | 'integrated GPU' | 'CPU' | … where the implementation says (Dawn's info does not). */
  adapterType?: string;
}

/** What the process environment says, read once by the caller. */
export interface AdapterEnvFacts {
  /** Where the mode came from: the command-line flag, PTYCHOPINN_ADAPTER, or the default. */
  modeSource: 'flag' | 'env' | 'default';
  /** VK_ICD_FILENAMES as the user set it before we touched anything (undefined: not set). */
  userIcdFilenames?: string;
  /** VK_ADD_DRIVER_FILES as the user set it. */
  userAddDriverFiles?: string;
  /** VK_LOADER_DRIVERS_DISABLE as the user set it. */
  userDriversDisable?: string;
  /** The SwiftShader ICD json when it exists on this machine (Debian's chromium ships one), else undefined. */
  swiftshaderIcd?: string;
}

export interface AdapterChoice {
  mode: AdapterMode;
  /** Index into the candidate list. */
  index: number;
  /** e.g. "hardware adapter nvidia / ampere (auto: first hardware adapter)". */
  reason: string;
}

/** The mode: the flag wins over PTYCHOPINN_ADAPTER, which wins over 'auto'. Unknown values are refused. */
export function resolveAdapterMode(
  flag: string | undefined,
  env: string | undefined,
): { mode: AdapterMode; source: AdapterEnvFacts['modeSource'] } {
  const [raw, source, where] =
    flag !== undefined
      ? [flag, 'flag' as const, '--adapter']
      : env
        ? [env.trim().toLowerCase(), 'env' as const, 'PTYCHOPINN_ADAPTER']
        : ['auto', 'default' as const, ''];
  if (!(ADAPTER_MODES as readonly string[]).includes(raw)) {
    throw new PtychoError(
      'cli-usage',
      `${where} ${raw} is not one of ${ADAPTER_MODES.join(', ')}`,
      'auto (default): a hardware GPU when there is one, else SwiftShader; hardware: refuse to run on a software adapter; software: always SwiftShader',
    );
  }
  return { mode: raw as AdapterMode, source };
}

/** A software (CPU) adapter: the fallback flag, a CPU adapter type, or a known software driver's name. */
export function isSoftwareAdapter(c: AdapterCandidate): boolean {
  return (
    c.isFallbackAdapter ||
    /cpu/i.test(c.adapterType ?? '') ||
    /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render/i.test(
      `${c.vendor} ${c.architecture} ${c.device} ${c.description}`,
    )
  );
}

export function adapterName(c: AdapterCandidate): string {
  const parts = [c.vendor, c.architecture, c.device, c.description].filter(Boolean);
  return [...new Set(parts)].join(' / ') || 'unknown adapter';
}

function seen(candidates: readonly AdapterCandidate[]): string {
  return candidates.length
    ? `Dawn sees only software adapters: ${candidates.map(adapterName).join('; ')}`
    : 'Dawn sees no adapter at all';
}

const isSwiftShader = (c: AdapterCandidate): boolean =>
  /swiftshader/i.test(`${c.architecture} ${c.device} ${c.description}`);

/**
 * Environment variables to set before Dawn's instance is created (the caller applies them), with a note on what
 * they do. Nothing when the user set VK_ICD_FILENAMES: their driver list is their choice.
 */
export function vulkanEnvPlan(
  mode: AdapterMode,
  facts: AdapterEnvFacts,
): { set: Record<string, string>; note: string } {
  if (facts.userIcdFilenames) {
    return { set: {}, note: `VK_ICD_FILENAMES=${facts.userIcdFilenames} (set by you: only these Vulkan drivers)` };
  }
  const set: Record<string, string> = {};
  const ss = facts.swiftshaderIcd;
  // Mesa's lavapipe is a second, slower software driver that this Dawn refuses with a warning: when SwiftShader is
  // there (or only hardware is wanted), keep the loader from offering it.
  if (!facts.userDriversDisable && (mode === 'hardware' || (ss && mode === 'auto'))) {
    set.VK_LOADER_DRIVERS_DISABLE = '*lvp_icd*';
  }
  if (!ss || mode === 'hardware') {
    return { set, note: ss ? 'system Vulkan drivers only' : 'system Vulkan drivers (no SwiftShader on this machine)' };
  }
  if (mode === 'software') {
    return { set: { VK_ICD_FILENAMES: ss }, note: `VK_ICD_FILENAMES=${ss} (software: SwiftShader only)` };
  }
  set.VK_ADD_DRIVER_FILES = facts.userAddDriverFiles ? `${facts.userAddDriverFiles}:${ss}` : ss;
  return { set, note: `system Vulkan drivers + SwiftShader (VK_ADD_DRIVER_FILES=${set.VK_ADD_DRIVER_FILES})` };
}

function whyMode(mode: AdapterMode, facts: AdapterEnvFacts): string {
  if (facts.modeSource === 'flag') return `--adapter ${mode}`;
  if (facts.modeSource === 'env') return `PTYCHOPINN_ADAPTER=${mode}`;
  return mode;
}

function userIcdNote(facts: AdapterEnvFacts): string {
  return facts.userIcdFilenames ? `; VK_ICD_FILENAMES=${facts.userIcdFilenames} set by you` : '';
}

function softwareLabel(c: AdapterCandidate): string {
  return isSwiftShader(c) ? 'SwiftShader (software)' : `software adapter ${adapterName(c)}`;
}

function noAdapterError(facts: AdapterEnvFacts): PtychoError {
  return new PtychoError(
    'gpu-unavailable',
    `WebGPU is present but Dawn found no adapter${userIcdNote(facts)}.`,
    facts.userIcdFilenames
      ? 'Check the drivers VK_ICD_FILENAMES names (`ptychopinn gpu` lists them), or unset it.'
      : "Install your GPU's Vulkan driver, or Debian's chromium package (it ships SwiftShader at /usr/lib/chromium/vk_swiftshader_icd.json) and libvulkan1; `ptychopinn gpu` shows what was found.",
  );
}

/** The adapter to use among `candidates` (in the order the runtime offered them), or a PtychoError saying why none fits. */
export function chooseAdapter(
  mode: AdapterMode,
  facts: AdapterEnvFacts,
  candidates: readonly AdapterCandidate[],
): AdapterChoice {
  if (candidates.length === 0 && mode !== 'hardware') throw noAdapterError(facts);
  const hw = candidates.findIndex((c) => !isSoftwareAdapter(c));
  const swAll = candidates.map((c, i) => ({ c, i })).filter(({ c }) => isSoftwareAdapter(c));
  const sw = (swAll.find(({ c }) => isSwiftShader(c)) ?? swAll[0])?.i ?? -1;
  const why = whyMode(mode, facts);
  const note = userIcdNote(facts);
  if (mode === 'software') {
    if (sw < 0) {
      throw new PtychoError(
        'gpu-unavailable',
        `${why}: no software adapter found (Dawn sees: ${candidates.map(adapterName).join('; ')})${note}.`,
        "Install Debian's chromium package (SwiftShader), or use --adapter auto.",
      );
    }
    return { mode, index: sw, reason: `${softwareLabel(candidates[sw])}: requested by ${why}${note}` };
  }
  if (hw >= 0) {
    const first = mode === 'hardware' ? `${why}` : `${why}: first hardware adapter`;
    return { mode, index: hw, reason: `hardware adapter ${adapterName(candidates[hw])} (${first}${note})` };
  }
  if (mode === 'hardware') {
    throw new PtychoError(
      'gpu-unavailable',
      `${why}: no hardware GPU adapter found; ${seen(candidates)}${note}.`,
      facts.userIcdFilenames
        ? "VK_ICD_FILENAMES limits Vulkan to the drivers it names: unset it or add your GPU driver's ICD json; `ptychopinn gpu` lists what was found."
        : "Install or update your GPU's Vulkan driver (its ICD json goes in /usr/share/vulkan/icd.d); `ptychopinn gpu` lists what was found; --adapter auto runs on the software adapter (slow).",
    );
  }
  return { mode, index: sw, reason: `${softwareLabel(candidates[sw])}: no hardware adapter found${note}` };
}
