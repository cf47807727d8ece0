/** `ptychopinn gpu`: the adapters Dawn sees, the Vulkan driver files, and the adapter choice with its reason. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CliIO } from './io';
import { main } from './main';

function memIO() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readFile: () => new Uint8Array(),
    writeFile: () => undefined,
  };
  return { io, out, err };
}

describe('ptychopinn gpu', () => {
  it('gpu --json lists the adapters and driver files Dawn sees and why the chosen one was taken (GPU)', async () => {
    const m = memIO();
    expect(await main(['gpu', '--json'], m.io)).toBe(0);
    const r = JSON.parse(m.out.join(''));
    const ss = r.adapters.find((a: { architecture: string }) => a.architecture === 'swiftshader');
    expect(ss).toMatchObject({ vendor: 'google', isFallbackAdapter: true });
    expect(ss.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(r.icdFiles.map((f: { path: string }) => f.path)).toContain('/usr/lib/chromium/vk_swiftshader_icd.json');
    // This machine has no GPU: auto mode falls back to SwiftShader and says so.
    expect(r.chosen.reason).toMatch(/^SwiftShader \(software\): no hardware adapter found/);
    expect(await main(['gpu', '--adapter', 'fast'], m.io)).toBe(2);
    expect(m.err.join('\n')).toMatch(/--adapter fast is not one of auto, hardware, software/);
  }, 60_000);

  it('gpu with VK_ICD_FILENAMES unset: SwiftShader is added beside the system drivers and chosen (spawned CLI)', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.VK_ICD_FILENAMES;
    delete env.PTYCHOPINN_ADAPTER;
    const r = spawnSync(process.execPath, ['bin/ptychopinn.mjs', 'gpu'], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Vulkan drivers: system Vulkan drivers \+ SwiftShader \(VK_ADD_DRIVER_FILES=/);
    expect(r.stdout).toMatch(/chosen: .*SwiftShader.* — SwiftShader \(software\): no hardware adapter found/);
  }, 90_000);
});
