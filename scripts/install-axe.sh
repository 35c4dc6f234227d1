#!/usr/bin/env bash
# axe-core, the accessibility checker the lab book's browser tests run in each page
# (tests/labs/test_book_browser.py), installed from the npm registry into ~/.cache/proxylab/npm.
# `npm ci` installs exactly what tools/axe/package-lock.json names and checks its integrity hash,
# so every machine runs the same axe-core; nothing is fetched when the tests run.
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${PROXYLAB_NPM_DIR:-$HOME/.cache/proxylab/npm}"

# Already there, from the same lockfile: nothing to do (CI runs this on every build).
if [ -f "$dest/node_modules/axe-core/axe.min.js" ] && cmp -s tools/axe/package-lock.json "$dest/package-lock.json"; then
  echo "axe-core: installed in $dest ($(node -p 'require(process.argv[1]).version' "$dest/node_modules/axe-core/package.json"))"
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "error: npm is not on PATH; the accessibility test needs axe-core from the npm registry. Install Node.js and npm (apt-get install npm) and rerun \`make axe\`." >&2
  exit 2
fi

# The lockfile and its package.json side by side in the cache, then a clean install from them.
mkdir -p "$dest"
cp tools/axe/package.json tools/axe/package-lock.json "$dest/"
npm ci --prefix "$dest" --ignore-scripts --no-audit --no-fund
echo "axe-core: installed in $dest"
