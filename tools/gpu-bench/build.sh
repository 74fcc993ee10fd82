#!/usr/bin/env bash
# Bundles bench.ts into .gpu/bench.mjs (webgpu kept external: it lives in .gpu/node_modules on the GPU machine).
# Run from the repository root after `bash ../shared/gpu/prepare.sh`.
set -euo pipefail
root=$(git rev-parse --show-toplevel); cd "$root"
esbuild=$(ls -d node_modules/.pnpm/esbuild@*/node_modules/esbuild/bin/esbuild | head -1)
"$esbuild" tools/gpu-bench/bench.ts --bundle --platform=node --format=esm --target=node20 \
  --external:webgpu --outfile=.gpu/bench.mjs --log-level=warning
echo "built .gpu/bench.mjs"
