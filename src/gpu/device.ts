/**
 * One GPUDevice for the app, in the browser (`navigator.gpu`) or in Node (npm `webgpu` = Dawn).
 * We ask for the adapter's real limits (buffer size, binding size, workgroup storage) instead of the
 * WebGPU defaults, so large datasets fit, and we report whether the adapter is a software fallback
 * (SwiftShader) so the UI can warn that it is slow.
 */
import { PtychoError } from '../errors';

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

async function getGpu(): Promise<{ gpu: GPU; runtime: string }> {
  if (typeof navigator !== 'undefined' && (navigator as Navigator).gpu) {
    return { gpu: (navigator as Navigator).gpu, runtime: 'browser' };
  }
  if (isNode) {
    // Dawn reads VK_ICD_FILENAMES when the instance is created: with no GPU, point it at the SwiftShader
    // driver that Debian's chromium package ships (a CPU Vulkan).
    // Module names in variables keep browser bundlers from pulling Node-only packages into the app.
    const fsName = 'node:fs';
    const webgpuName = 'webgpu';
    const osName = 'node:os';
    const pathName = 'node:path';
    const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs');
    if (!process.env.VK_ICD_FILENAMES && fs.existsSync(SWIFTSHADER_ICD)) {
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    }
    // The Vulkan loader (under Dawn) prints "XDG_RUNTIME_DIR is invalid or not set" when it is missing
    // (containers, CI, ssh without a session): give it a private directory of our own, only in that case.
    const xdg = process.env.XDG_RUNTIME_DIR;
    if (!xdg || !isDirectory(fs, xdg)) {
      try {
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
    return { gpu: nodeGpuSingleton ?? (nodeGpuSingleton = mod.create([])), runtime: 'node (Dawn)' };
  }
  throw new PtychoError(
    'gpu-unavailable',
    'This browser has no WebGPU (navigator.gpu is undefined).',
    'Use a current Chrome, Edge or Safari. On Linux, Chrome needs chrome://flags/#enable-unsafe-webgpu ' +
      '(or the --enable-unsafe-webgpu command-line flag).',
  );
}

function isDirectory(fs: typeof import('node:fs'), p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

// Dawn's instance keeps Node alive and must not be re-created per device; one per process.
let nodeGpuSingleton: GPU | undefined;

export async function createGpuDevice(opts: { powerPreference?: GPUPowerPreference } = {}): Promise<GpuDevice> {
  const { gpu, runtime } = await getGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) {
    throw new PtychoError(
      'gpu-unavailable',
      `WebGPU is present but no GPU adapter was found (${runtime}).`,
      runtime === 'browser'
        ? 'Enable hardware acceleration, update the GPU driver, or on Linux start Chrome with --enable-unsafe-webgpu.'
        : `Install a Vulkan driver, or Debian's chromium package (it ships SwiftShader at ${SWIFTSHADER_ICD}) ` +
            'and libvulkan1, or set VK_ICD_FILENAMES to a Vulkan ICD json.',
    );
  }
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
  // `adapter.info` (current spec) or requestAdapterInfo (older browsers).
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const summary: AdapterSummary = {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    isFallbackAdapter:
      Boolean((adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter) ||
      Boolean((info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined)?.isFallbackAdapter) ||
      /swiftshader|llvmpipe|lavapipe/i.test(`${info?.architecture} ${info?.description} ${info?.device}`),
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
  };
  const lost = device.lost.then((l) => ({ reason: String(l.reason), message: l.message }));
  return { device, adapter: summary, lost, destroy: () => device.destroy() };
}

export function describeAdapter(a: AdapterSummary): string {
  const name = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' / ') || 'unknown adapter';
  return `${name} (${a.runtime}${a.isFallbackAdapter ? ', software fallback: slow' : ''})`;
}
