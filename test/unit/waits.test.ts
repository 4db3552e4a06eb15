import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceError } from '@temporalio/client';
import { pollStatus, showing } from '../../src/control/waits.js';
import { initialView, setStatus, type PipeStatusView } from '../../src/pipe/status.js';

/** What the client throws when a query's gRPC call ends with this status code. */
function queryFailed(code: number, details: string): ServiceError {
  const cause = Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
  return new ServiceError('Failed to query Workflow', { cause });
}

function running(): PipeStatusView {
  const view = initialView({ name: 'p', cdc: true, tables: [] }, new Date(0));
  setStatus(view, 'Running', new Date(1));
  return view;
}

test('a query cancelled with its dying worker, unanswered, or refused by a restarting server is asked again', async () => {
  const failures = [queryFailed(1, 'context canceled'), queryFailed(4, 'deadline exceeded'), queryFailed(14, 'unavailable')];
  let reads = 0;
  const read = async () => {
    reads++;
    const failure = failures.shift();
    if (failure) throw failure;
    return running();
  };
  const seen = await pollStatus(read, 10_000, 1, undefined, showing('Running'));
  assert.equal(seen.reached, true);
  assert.equal(reads, 4);
});

test('any other query failure, or one past the deadline, is the wait\'s error', async () => {
  const notFound = queryFailed(5, 'workflow not found');
  await assert.rejects(pollStatus(() => Promise.reject(notFound), 10_000, 1, undefined, showing('Running')), (err) => err === notFound);
  const cancelled = queryFailed(1, 'context canceled');
  await assert.rejects(pollStatus(() => Promise.reject(cancelled), 0, 1, undefined, showing('Running')), (err) => err === cancelled);
});
