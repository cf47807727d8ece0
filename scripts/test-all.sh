#!/usr/bin/env bash
# Every test: type-check, unit + GPU kernel tests (vitest, Node + Dawn + SwiftShader), production build,
# browser end-to-end tests (Playwright + Debian chromium with WebGPU on SwiftShader).
set -euo pipefail
cd "$(dirname "$0")/.."
export VK_ICD_FILENAMES="${VK_ICD_FILENAMES:-/usr/lib/chromium/vk_swiftshader_icd.json}"
if [ ! -f "$VK_ICD_FILENAMES" ]; then
  echo "error: no Vulkan driver for WebGPU tests at $VK_ICD_FILENAMES" >&2
  echo "hint: on Debian run 'apt-get install -y chromium libvulkan1' (it ships SwiftShader), or set VK_ICD_FILENAMES" >&2
  exit 2
fi
echo "== typecheck"; npx tsc --noEmit -p tsconfig.json
echo "== unit + gpu tests"; npx vitest run
echo "== build"; npx vite build --logLevel warn
echo "== e2e"; npx playwright test
