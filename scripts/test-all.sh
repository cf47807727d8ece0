#!/usr/bin/env bash
# Every test: type-check, formatter and linter, unit + GPU kernel + model-parity tests (vitest, Node + Dawn + SwiftShader), production
# build and browser end-to-end tests on it (Playwright + Debian chromium with WebGPU on SwiftShader).
set -euo pipefail
cd "$(dirname "$0")/.."
export VK_ICD_FILENAMES="${VK_ICD_FILENAMES:-/usr/lib/chromium/vk_swiftshader_icd.json}"
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
# A machine without a GPU needs Debian's chromium (browser tests + its SwiftShader Vulkan driver) and the Vulkan
# loader. Install them when we can (root + apt), otherwise say exactly what is missing. Never a browser download.
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
[ -f "$VK_ICD_FILENAMES" ] || missing+=(chromium)
ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1' || missing+=(libvulkan1)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "error: missing ${missing[*]} (Vulkan driver $VK_ICD_FILENAMES, browser $CHROMIUM)" >&2
    echo "hint: on Debian run 'sudo apt-get install -y chromium libvulkan1', or set VK_ICD_FILENAMES / CHROMIUM_PATH" >&2
    exit 2
  fi
fi
echo "== typecheck"; npx tsc --noEmit -p tsconfig.json
echo "== format (prettier) and lint (eslint: layers, 400 lines a file, 80 a function)"
npx prettier --check . --log-level warn
npx eslint . --max-warnings 0
echo "== unit, GPU kernel and model tests"; npx vitest run
echo "== build and browser end-to-end (against the production build)"; npx playwright test
