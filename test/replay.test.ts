import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../src/worker.js';
import { COMMITTED_HISTORIES, loadHistories } from './helpers/histories.js';

/**
 * Determinism: histories of pipes and resyncs recorded against the real
 * server by earlier versions replay with the current workflow code, so a
 * change that would break a pipe or a resync already running fails the
 * build. (The tests that record histories also replay them at once.)
 */
test('committed workflow histories replay with the current code', async () => {
  const histories = loadHistories(COMMITTED_HISTORIES);
  assert.ok(histories.length >= 4, `histories in ${COMMITTED_HISTORIES}`);
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowsPath: WORKFLOWS_PATH }, histories)) {
    replayed++;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  assert.equal(replayed, histories.length);
  assert.deepEqual(failures, []);
});
