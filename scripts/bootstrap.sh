#!/usr/bin/env bash
# Makes a fresh clone runnable: installs the Node packages and builds the
# TypeScript. Both steps are skipped or incremental when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing Node packages..."
  # npm install, not npm ci: npm 11 writes lockfiles without other platforms'
  # optional packages, which its own npm ci then refuses. The lockfile still
  # pins every version.
  npm install --no-audit --no-fund --loglevel=error
fi
node node_modules/typescript/bin/tsc -p tsconfig.json
# The web console's scripts (browser code: a compilation of their own).
node node_modules/typescript/bin/tsc -p src/console/web/tsconfig.json
