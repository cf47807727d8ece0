/**
 * One GPUDevice for the app, in the browser (`navigator.gpu`) or in Node (npm `webgpu` = Dawn).
 * We ask for the adapter's real limits (buffer size, binding size, workgroup storage) instead of the
 * WebGPU defaults, so large datasets fit, and we report whether the adapter is a software fallback
 * (SwiftShader) so the UI can warn that it is slow.
 */
import { PtychoError } from '../errors';
import {
  adapterName,
  chooseAdapter,
  isSoftwareAdapter,
  resolveAdapterMode,
  vulkanEnvPlan,
  type AdapterCandidate,
  type AdapterChoice,
  type AdapterEnvFacts,
  type AdapterMode,
} from './adapterChoice';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupSizeX: number;
    maxComputeWorkgroupsPerDimension: number;
    maxStorageBuffersPerShaderStage: number;
  };
  features: string[];
  /** 'browser' or 'node (Dawn)'. */
  runtime: string;
  /** The adapter mode (auto | hardware | software) and why this adapter was taken (src/gpu/adapterChoice.ts). */
  choice: { mode: AdapterMode; reason: string };
}

export interface GpuDevice {
  device: GPUDevice;
  adapter: AdapterSummary;
  /** Resolves when the device is lost (reason + message); the engine reports it so the app can recover. */
  lost: Promise<{ reason: string; message: string }>;
  destroy(): void;
}

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/** The adapter mode the command line asked for (`--adapter`); undefined: PTYCHOPINN_ADAPTER, else auto. */
let flagMode: string | undefined;

/** Set the mode from `--adapter` (validated here, so a typo fails before any GPU work); undefined clears it. */
export function setAdapterMode(flag: string | undefined): AdapterMode {
  flagMode = flag;
  return currentMode().mode;
}

function currentMode(flag: string | undefined = flagMode): ReturnType<typeof resolveAdapterMode> {
  return resolveAdapterMode(flag, isNode ? process.env.PTYCHOPINN_ADAPTER : undefined);
}

/** Dawn's instance and the environment it was made under (one per process). */
interface NodeGpu {
  gpu: GPU;
  facts: Omit<AdapterEnvFacts, 'modeSource'>;
  /** The mode the Vulkan driver list was set up for. */
  mode: AdapterMode;
  /** What the loader was given (VK_ADD_DRIVER_FILES, VK_ICD_FILENAMES, …). */
  driversNote: string;
  create: () => GPU;
}

// Dawn's instance keeps Node alive and must not be re-created per device; one per process.
let nodeGpuSingleton: NodeGpu | undefined;

async function getNodeGpu(mode: AdapterMode): Promise<NodeGpu> {
  if (nodeGpuSingleton) return nodeGpuSingleton;
  // Module names in variables keep browser bundlers from pulling Node-only packages into the app.
  const fsName = 'node:fs';
  const webgpuName = 'webgpu';
  const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs');
  const env = process.env;
  const facts = {
    userIcdFilenames: env.VK_ICD_FILENAMES || undefined,
    userAddDriverFiles: env.VK_ADD_DRIVER_FILES || undefined,
    userDriversDisable: env.VK_LOADER_DRIVERS_DISABLE || undefined,
    swiftshaderIcd: fs.existsSync(SWIFTSHADER_ICD) ? SWIFTSHADER_ICD : undefined,
  };
  // The Vulkan loader (under Dawn) reads its driver list when the instance is created: a hardware GPU first,
  // SwiftShader (Debian's chromium ships it, a CPU Vulkan) beside it or instead of it (src/gpu/adapterChoice.ts).
  const plan = vulkanEnvPlan(mode, { ...facts, modeSource: 'default' });
  Object.assign(env, plan.set);
  await ensureXdgRuntimeDir(fs);
  let mod: { create: (opts: string[]) => GPU; globals: Record<string, unknown> };
  try {
    mod = (await import(/* @vite-ignore */ webgpuName)) as unknown as typeof mod;
  } catch (e) {
    throw new PtychoError(
      'gpu-unavailable',
      `WebGPU for Node (npm package "webgpu") could not be loaded: ${(e as Error).message}`,
      'Run `npm install` in the project folder.',
    );
  }
  Object.assign(globalThis, mod.globals);
  const create = () => mod.create([]);
  nodeGpuSingleton = { gpu: create(), facts, mode, driversNote: plan.note, create };
  return nodeGpuSingleton;
}

// The Vulkan loader prints "XDG_RUNTIME_DIR is invalid or not set" when it is missing (containers, CI, ssh
// without a session): give it a private directory of our own, only in that case.
async function ensureXdgRuntimeDir(fs: typeof import('node:fs')): Promise<void> {
  const xdg = process.env.XDG_RUNTIME_DIR;
  if (xdg && isDirectory(fs, xdg)) return;
  try {
    const osName = 'node:os';
    const pathName = 'node:path';
    const os = (await import(/* @vite-ignore */ osName)) as typeof import('node:os');
    const path = (await import(/* @vite-ignore */ pathName)) as typeof import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ptychopinn-xdg-'));
    fs.chmodSync(dir, 0o700);
    process.env.XDG_RUNTIME_DIR = dir;
    process.once('exit', () => {
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    });
  } catch {
    // Only a cosmetic warning is at stake: keep going without it.
  }
}

function candidateOf(adapter: GPUAdapter): AdapterCandidate {
  // `adapter.info` (current spec) or requestAdapterInfo (older browsers).
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).info;
  const c: AdapterCandidate = {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    isFallbackAdapter:
      Boolean((adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter) ||
      Boolean(info?.isFallbackAdapter),
  };
  return { ...c, isFallbackAdapter: isSoftwareAdapter(c) };
}

/** The adapters Dawn offers: high-performance, low-power and the fallback, each once. */
async function nodeAdapters(gpu: GPU): Promise<{ adapter: GPUAdapter; info: AdapterCandidate }[]> {
  const out: { adapter: GPUAdapter; info: AdapterCandidate }[] = [];
  const asks: GPURequestAdapterOptions[] = [
    { powerPreference: 'high-performance' },
    { powerPreference: 'low-power' },
    { forceFallbackAdapter: true },
  ];
  for (const ask of asks) {
    const adapter = await gpu.requestAdapter(ask).catch(() => null);
    if (!adapter) continue;
    const info = candidateOf(adapter);
    if (!out.some((o) => adapterName(o.info) === adapterName(info))) out.push({ adapter, info });
  }
  return out;
}

interface Pick {
  adapter: GPUAdapter;
  choice: AdapterChoice;
  runtime: string;
}

/** Every adapter the runtime offers, the mode and how the drivers were set up (`ptychopinn gpu`). */
export interface AdapterSurvey {
  runtime: string;
  mode: AdapterMode;
  drivers: string;
  env: Omit<AdapterEnvFacts, 'modeSource'>;
  adapters: { adapter: GPUAdapter; info: AdapterCandidate }[];
  choice: AdapterChoice | null;
  error: PtychoError | null;
}

export async function surveyAdapters(
  opts: { mode?: string; powerPreference?: GPUPowerPreference } = {},
): Promise<AdapterSurvey> {
  if (typeof navigator !== 'undefined' && (navigator as Navigator).gpu) {
    const pp = opts.powerPreference ?? 'high-performance';
    const adapter = await (navigator as Navigator).gpu.requestAdapter({ powerPreference: pp });
    const adapters = adapter ? [{ adapter, info: candidateOf(adapter) }] : [];
    const reason = `the adapter the browser gives for powerPreference ${pp}`;
    const choice = adapter ? { mode: 'auto' as const, index: 0, reason } : null;
    const error = adapter ? null : noAdapter('browser');
    return { runtime: 'browser', mode: 'auto', drivers: 'browser', env: {}, adapters, choice, error };
  }
  if (!isNode) throw noWebGpu();
  const { mode, source } = currentMode(opts.mode ?? flagMode);
  const ng = await getNodeGpu(mode);
  let adapters = await nodeAdapters(ng.gpu);
  if (adapters.length === 0 && ng.facts.swiftshaderIcd && !ng.facts.userIcdFilenames && ng.mode === 'auto') {
    // A Vulkan loader older than 1.3.234 ignores VK_ADD_DRIVER_FILES: name SwiftShader the only driver instead.
    process.env.VK_ICD_FILENAMES = ng.facts.swiftshaderIcd;
    ng.gpu = ng.create();
    ng.driversNote = `VK_ICD_FILENAMES=${ng.facts.swiftshaderIcd} (no adapter with VK_ADD_DRIVER_FILES: an old Vulkan loader?)`;
    adapters = await nodeAdapters(ng.gpu);
  }
  const survey = { runtime: 'node (Dawn)', mode, drivers: ng.driversNote, env: ng.facts, adapters };
  try {
    const choice = chooseAdapter(
      mode,
      { ...ng.facts, modeSource: source },
      adapters.map((a) => a.info),
    );
    if (mode !== ng.mode) choice.reason += ` (Vulkan drivers were set up for ${ng.mode} mode earlier in this process)`;
    return { ...survey, choice, error: null };
  } catch (e) {
    if (!(e instanceof PtychoError)) throw e;
    return { ...survey, choice: null, error: e };
  }
}

async function pickAdapter(opts: { mode?: string; powerPreference?: GPUPowerPreference }): Promise<Pick> {
  const s = await surveyAdapters(opts);
  if (!s.choice) throw s.error ?? noAdapter(s.runtime);
  return { adapter: s.adapters[s.choice.index].adapter, choice: s.choice, runtime: s.runtime };
}

function noWebGpu(): PtychoError {
  return new PtychoError(
    'gpu-unavailable',
    'This browser has no WebGPU (navigator.gpu is undefined).',
    'Use a current Chrome, Edge or Safari. On Linux, Chrome needs chrome://flags/#enable-unsafe-webgpu ' +
      '(or the --enable-unsafe-webgpu command-line flag).',
  );
}

function noAdapter(runtime: string): PtychoError {
  return new PtychoError(
    'gpu-unavailable',
    `WebGPU is present but no GPU adapter was found (${runtime}).`,
    runtime === 'browser'
      ? 'Enable hardware acceleration, update the GPU driver, or on Linux start Chrome with --enable-unsafe-webgpu.'
      : `Install a Vulkan driver, or Debian's chromium package (it ships SwiftShader at ${SWIFTSHADER_ICD}) ` +
          'and libvulkan1, or set VK_ICD_FILENAMES to a Vulkan ICD json.',
  );
}

function isDirectory(fs: typeof import('node:fs'), p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A device on the adapter the mode picks (`mode`, else `setAdapterMode`, else PTYCHOPINN_ADAPTER, else auto;
 * src/gpu/adapterChoice.ts), with the adapter's real limits. The browser ignores the mode.
 */
export async function createGpuDevice(
  opts: { powerPreference?: GPUPowerPreference; mode?: string } = {},
): Promise<GpuDevice> {
  const { adapter, choice, runtime } = await pickAdapter(opts);
  const a = adapter.limits;
  const requiredLimits: Record<string, number> = {
    maxBufferSize: a.maxBufferSize,
    maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: a.maxComputeWorkgroupSizeY,
    maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupsPerDimension: a.maxComputeWorkgroupsPerDimension,
  };
  const wanted: GPUFeatureName[] = ['timestamp-query'];
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
  const summary: AdapterSummary = {
    ...candidateOf(adapter),
    limits: {
      maxBufferSize: device.limits.maxBufferSize,
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: device.limits.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupSizeX: device.limits.maxComputeWorkgroupSizeX,
      maxComputeWorkgroupsPerDimension: device.limits.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: device.limits.maxStorageBuffersPerShaderStage,
    },
    features: [...device.features].map(String),
    runtime,
    choice: { mode: choice.mode, reason: choice.reason },
  };
  const lost = device.lost.then((l) => ({ reason: String(l.reason), message: l.message }));
  return { device, adapter: summary, lost, destroy: () => device.destroy() };
}

export function describeAdapter(a: AdapterSummary): string {
  const name = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'unknown adapter';
  return `${name} (${a.runtime}${a.isFallbackAdapter ? ', software fallback: slow' : ''})`;
}
