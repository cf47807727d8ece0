import { describe, expect, it } from 'vitest';
import { PtychoError } from '../errors';
import {
  chooseAdapter,
  isSoftwareAdapter,
  resolveAdapterMode,
  vulkanEnvPlan,
  type AdapterCandidate,
  type AdapterEnvFacts,
} from './adapterChoice';

const SS = '/usr/lib/chromium/vk_swiftshader_icd.json';
const nvidia: AdapterCandidate = {
  vendor: 'nvidia',
  architecture: 'ampere',
  device: 'NVIDIA GeForce RTX 3080',
  description: 'NVIDIA: 550.54',
  isFallbackAdapter: false,
};
const swiftshader: AdapterCandidate = {
  vendor: 'google',
  architecture: 'swiftshader',
  device: 'swiftshader-device-subzero-',
  description: 'SwiftShader driver 5.0.0',
  isFallbackAdapter: true,
};
// Mesa's lavapipe as some Dawn builds report it: not flagged as fallback, but a CPU driver by name.
const llvmpipe: AdapterCandidate = {
  vendor: 'mesa',
  architecture: '',
  device: 'llvmpipe (LLVM 15.0.6, 256 bits)',
  description: 'Mesa 22.3.6 (LLVM 15.0.6)',
  isFallbackAdapter: false,
};
const facts: AdapterEnvFacts = { modeSource: 'default', swiftshaderIcd: SS };

function thrown(f: () => unknown): PtychoError {
  try {
    f();
  } catch (e) {
    return e as PtychoError;
  }
  throw new Error('expected a throw');
}

describe('adapter choice', () => {
  it('auto: the hardware adapter wins over SwiftShader, whatever the order', () => {
    const c = chooseAdapter('auto', facts, [swiftshader, nvidia]);
    expect(c.index).toBe(1);
    expect(c.reason).toMatch(
      /^hardware adapter nvidia \/ ampere \/ NVIDIA GeForce RTX 3080.*\(auto: first hardware adapter\)$/,
    );
  });

  it('auto with only SwiftShader: SwiftShader, saying no hardware adapter was found', () => {
    const c = chooseAdapter('auto', facts, [swiftshader]);
    expect(c).toEqual({ mode: 'auto', index: 0, reason: 'SwiftShader (software): no hardware adapter found' });
  });

  it('auto with only llvmpipe: it counts as software; SwiftShader is preferred when both are there', () => {
    expect(isSoftwareAdapter(llvmpipe)).toBe(true);
    expect(isSoftwareAdapter({ ...nvidia, adapterType: 'CPU' })).toBe(true);
    expect(chooseAdapter('auto', facts, [llvmpipe]).reason).toMatch(
      /^software adapter mesa \/ llvmpipe.*: no hardware adapter found$/,
    );
    expect(chooseAdapter('auto', facts, [llvmpipe, swiftshader]).index).toBe(1);
  });

  it('software, forced by the flag or PTYCHOPINN_ADAPTER: SwiftShader even with a GPU present', () => {
    const c = chooseAdapter('software', { ...facts, modeSource: 'flag' }, [nvidia, swiftshader]);
    expect(c).toEqual({
      mode: 'software',
      index: 1,
      reason: 'SwiftShader (software): requested by --adapter software',
    });
    const e = chooseAdapter('software', { ...facts, modeSource: 'env' }, [nvidia, swiftshader]);
    expect(e.reason).toContain('PTYCHOPINN_ADAPTER=software');
    expect(thrown(() => chooseAdapter('software', facts, [nvidia])).code).toBe('gpu-unavailable');
  });

  it('hardware requested but only software adapters: a gpu-unavailable error naming them, with a hint', () => {
    const e = thrown(() => chooseAdapter('hardware', { ...facts, modeSource: 'flag' }, [swiftshader, llvmpipe]));
    expect(e).toBeInstanceOf(PtychoError);
    expect(e.code).toBe('gpu-unavailable');
    expect(e.message).toMatch(
      /--adapter hardware: no hardware GPU adapter found.*SwiftShader driver 5\.0\.0.*llvmpipe/,
    );
    expect(e.hint).toMatch(/Vulkan driver.*ptychopinn gpu/);
    expect(chooseAdapter('hardware', facts, [swiftshader, nvidia]).index).toBe(1);
    expect(thrown(() => chooseAdapter('hardware', facts, [])).message).toBe(
      'hardware: no hardware GPU adapter found; Dawn sees no adapter at all.',
    );
  });

  it('no adapter at all: gpu-unavailable with the install hint', () => {
    const e = thrown(() => chooseAdapter('auto', facts, []));
    expect([e.code, e.hint]).toEqual(['gpu-unavailable', expect.stringMatching(/chromium.*SwiftShader/)]);
  });

  it('a VK_ICD_FILENAMES the user set is respected: no env changes, and named in the reason and the hint', () => {
    const user = { ...facts, userIcdFilenames: SS };
    for (const mode of ['auto', 'hardware', 'software'] as const) expect(vulkanEnvPlan(mode, user).set).toEqual({});
    expect(vulkanEnvPlan('auto', user).note).toMatch(/set by you/);
    expect(chooseAdapter('auto', user, [swiftshader]).reason).toBe(
      `SwiftShader (software): no hardware adapter found; VK_ICD_FILENAMES=${SS} set by you`,
    );
    expect(thrown(() => chooseAdapter('hardware', user, [swiftshader])).hint).toMatch(/unset it/);
  });

  it('env plan: auto adds SwiftShader beside the system drivers, software replaces them, hardware leaves it out', () => {
    expect(vulkanEnvPlan('auto', facts).set).toEqual({
      VK_ADD_DRIVER_FILES: SS,
      VK_LOADER_DRIVERS_DISABLE: '*lvp_icd*',
    });
    expect(vulkanEnvPlan('auto', { ...facts, userAddDriverFiles: '/x.json' }).set.VK_ADD_DRIVER_FILES).toBe(
      `/x.json:${SS}`,
    );
    expect(vulkanEnvPlan('auto', { ...facts, userDriversDisable: '*foo*' }).set).toEqual({ VK_ADD_DRIVER_FILES: SS });
    expect(vulkanEnvPlan('software', facts).set).toEqual({ VK_ICD_FILENAMES: SS });
    expect(vulkanEnvPlan('hardware', facts).set).toEqual({ VK_LOADER_DRIVERS_DISABLE: '*lvp_icd*' });
    expect(vulkanEnvPlan('auto', { modeSource: 'default' }).set).toEqual({});
  });

  it('mode: the flag wins over PTYCHOPINN_ADAPTER, which wins over auto; typos are refused', () => {
    expect(resolveAdapterMode(undefined, undefined)).toEqual({ mode: 'auto', source: 'default' });
    expect(resolveAdapterMode(undefined, 'Software')).toEqual({ mode: 'software', source: 'env' });
    expect(resolveAdapterMode('hardware', 'software')).toEqual({ mode: 'hardware', source: 'flag' });
    expect(thrown(() => resolveAdapterMode(undefined, 'gpu')).message).toMatch(/PTYCHOPINN_ADAPTER gpu is not one of/);
  });
});
