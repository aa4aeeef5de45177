#!/bin/bash
# Builds the dashboard (ui/) into OUTDIR/ui: type-checks it with its own tsconfig (DOM types), then
# bundles and minifies it with esbuild into app.js + app.css beside index.html. Every asset the page
# uses is in these files: nothing is fetched from the network at run time.
set -euo pipefail
out="${1:?usage: hack/build-ui.sh OUTDIR}"
cd "$(dirname "$0")/.."
npx tsc -p ui/tsconfig.json
mkdir -p "$out/ui"
rm -f "$out"/ui/chunk-*.js
# --splitting: the terminal (xterm.js) and YAML (js-yaml) views are chunks loaded when first shown.
npx esbuild ui/main.ts --bundle --minify --splitting --format=esm --target=es2020 --legal-comments=none \
  --outdir="$out/ui" --entry-names=app --chunk-names=chunk-[hash] --log-level=warning
# The chunks app.js imports statically are fetched with it, not after it (modulepreload links).
preload=$(grep -o 'from"\./chunk-[A-Z0-9]*\.js"' "$out/ui/app.js" | sort -u | sed 's|from"\./\(.*\)"|<link rel="modulepreload" href="\1">|' | tr -d '\n')
sed "s|<!-- modulepreload -->|$preload|" ui/index.html >"$out/ui/index.html"
