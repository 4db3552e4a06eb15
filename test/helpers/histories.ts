import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../src/worker.js';
import { ensureTemporalCli } from '../../scripts/stack/temporal-cli.js';
import { PROJECT_ROOT } from '../../scripts/stack/paths.js';
import { LOCAL_SOURCE_PASSWORD } from '../../scripts/stack/mariadb.js';

/** Histories recorded against the real server by earlier versions, replayed by replay.test.ts. */
export const COMMITTED_HISTORIES = join(PROJECT_ROOT, 'test/histories');

/**
 * Downloads a workflow's history (its latest run) as the temporal CLI gives it,
 * keeps a copy in the test work folder (to refresh test/histories from), and
 * replays it with the current workflow code: a non-deterministic change fails
 * the test that recorded it.
 */
export async function recordAndReplay(workflowId: string, name: string): Promise<void> {
  const r = spawnSync(
    ensureTemporalCli(),
    ['workflow', 'show', '--address', process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233', '--workflow-id', workflowId, '--output', 'json'],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`temporal workflow show ${workflowId}: ${r.stderr}`);
  // No secret travels through Temporal: the source password is nowhere in the history.
  if (r.stdout.includes(LOCAL_SOURCE_PASSWORD)) throw new Error(`the history of ${workflowId} contains the source password`);
  const dir = join(process.env.PIPES_TEST_WORK_DIR ?? join(PROJECT_ROOT, '.data/test/lane-1/work'), 'histories');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), r.stdout);
  await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, historyFromJSON(JSON.parse(r.stdout)), workflowId);
}

export function loadHistories(dir: string) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: historyFromJSON(JSON.parse(readFileSync(join(dir, f), 'utf8'))) }));
}
