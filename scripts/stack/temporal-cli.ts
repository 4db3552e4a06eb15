import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { commandExists } from './processes.js';
import { toolCacheDir } from './paths.js';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/**
 * The Temporal CLI (dev server, SQLite persistence, Web UI), built from its Go
 * module on first use and cached per user, so fresh clones reuse it.
 * TEMPORAL_CLI_PATH points at an existing binary instead.
 */
export function ensureTemporalCli(): string {
  if (process.env.TEMPORAL_CLI_PATH) return process.env.TEMPORAL_CLI_PATH;
  const bin = toolCacheDir(`temporal-${TEMPORAL_CLI_VERSION}`);
  const exe = join(bin, 'temporal');
  if (existsSync(exe)) return exe;
  if (!commandExists('go')) {
    throw new Error('the Temporal CLI is not built yet and Go is not installed: install Go 1.22+ or set TEMPORAL_CLI_PATH');
  }
  console.log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with go install (first run only; a few minutes)...`);
  const started = Date.now();
  const result = spawnSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
    stdio: 'inherit',
    env: { ...process.env, GOBIN: bin, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
  });
  if (result.status !== 0 || !existsSync(exe)) {
    throw new Error(`go install of the Temporal CLI failed (exit ${result.status})`);
  }
  console.log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s: ${exe}`);
  return exe;
}
