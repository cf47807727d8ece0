import { defineConfig } from 'vitest/config';

// Unit tests (pure TS) and GPU kernel tests (*.gpu.test.ts, Node + Dawn + SwiftShader) both run here.
// GPU tests are slow on a CPU Vulkan: they get a longer timeout and run in few forks.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Kernel variants follow the adapter kind in tests (each test that cares pins them; autotune.gpu.test.ts
    // exercises the measurement).
    env: { PTYCHOPINN_AUTOTUNE: '0' },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
