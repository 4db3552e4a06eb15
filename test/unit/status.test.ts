import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialView, refusedView, setStatus } from '../../src/pipe/status.js';
import { finishTableLoad, recordCdcBatch, recordChunkLoaded, recordRetry, recordSchemaChange, startTableLoad } from '../../src/pipe/status-updates.js';
import { formatStatus } from '../../src/cli/status-format.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

test('a new view starts in Setup with every table at zero', () => {
  const view = initialView({ name: 'p', cdc: true, tables: [{ name: 'a' }, { name: 'b' }] }, at(0));
  assert.equal(view.status, 'Setup');
  assert.deepEqual(view.recentStatuses, [{ status: 'Setup', at: at(0).toISOString() }]);
  assert.deepEqual(Object.keys(view.tables), ['a', 'b']);
  assert.equal(view.tables.a?.initialLoad.rowsLoaded, 0);
  assert.equal(view.cdc.enabled, true);
});

test('status changes are remembered, the last 20 of them, and a repeat is not a change', () => {
  const view = initialView({ name: 'p', cdc: true, tables: [] }, at(0));
  setStatus(view, 'Setup', at(1));
  assert.equal(view.recentStatuses.length, 1);
  for (let i = 0; i < 30; i++) setStatus(view, i % 2 ? 'Running' : 'Paused', at(i + 2));
  assert.equal(view.recentStatuses.length, 20);
  assert.equal(view.recentStatuses.at(-1)?.status, 'Running');
});

test('a retried failure is shown and counted', () => {
  const view = refusedView('p', 'bad', at(0));
  assert.equal(view.status, 'Failed');
  recordRetry(view, { activity: 'loadChunk', attempt: 2, error: 'ECONNRESET' }, at(3));
  recordRetry(view, { activity: 'loadChunk', attempt: 3, error: 'ECONNRESET' }, at(4));
  assert.equal(view.lastError, 'loadChunk (attempt 3, retrying): ECONNRESET');
  assert.equal(view.lastErrorAt, at(4).toISOString());
  assert.equal(view.retries, 2);
});

test('a CDC batch moves the position always, the counters only when it held changes', () => {
  const view = initialView({ name: 'p', cdc: true, tables: [{ name: 'a' }] }, at(0));
  recordCdcBatch(view, { position: { file: 'b.1', pos: 10 }, changes: 0, counts: {} }, at(1));
  assert.deepEqual([view.cdc.position, view.cdc.batches, view.cdc.lastBatchAt], [{ file: 'b.1', pos: 10 }, 0, null]);
  const counts = { a: { inserted: 2, updated: 1, deleted: 0 }, gone: { inserted: 5, updated: 0, deleted: 0 } };
  recordCdcBatch(view, { position: { file: 'b.1', pos: 20 }, changes: 3, counts }, at(2));
  recordCdcBatch(view, { position: { file: 'b.1', pos: 30 }, changes: 3, counts }, at(3));
  assert.equal(view.cdc.batches, 2);
  assert.equal(view.cdc.lastBatchAt, at(3).toISOString());
  assert.deepEqual(view.tables.a?.cdc, { inserted: 4, updated: 2, deleted: 0 });
});

test('initial load statistics: rows, chunks, duration and rate', () => {
  const view = initialView({ name: 'p', cdc: true, tables: [{ name: 'a' }] }, at(0));
  const load = view.tables.a!.initialLoad;
  startTableLoad(load, at(10));
  recordChunkLoaded(load, { rows: 1000 }, at(11));
  recordChunkLoaded(load, { rows: 3000, pulled: true }, at(12));
  assert.deepEqual([load.rowsLoaded, load.chunksDone, load.chunksPulled, load.durationMs, load.rowsPerSecond], [4000, 2, 1, 2000, 2000]);
  finishTableLoad(load, at(14));
  assert.deepEqual([load.done, load.durationMs, load.rowsPerSecond], [true, 4000, 1000]);
});

test('pipectl status lists the latest schema changes with what the pipe did', () => {
  const view = initialView({ name: 'p', cdc: true, tables: [{ name: 'a' }] }, at(0));
  for (let i = 0; i < 7; i++) recordSchemaChange(view, { table: 'a', statement: `ALTER TABLE a ADD COLUMN c${i} INT`, action: `added column c${i} Nullable(Int32)` }, at(i + 1));
  const text = formatStatus(view, at(10).getTime());
  assert.match(text, /Schema changes:\n {2}2026-01-01 00:00:03 {2}a: added column c2 Nullable\(Int32\) {2}\(ALTER TABLE a ADD COLUMN c2 INT\)/);
  assert.match(text, /c6 Nullable/);
  assert.doesNotMatch(text, /c1 Nullable/, 'only the latest five');
  assert.equal(view.schemaChanges?.length, 7, '--json keeps them all');
});
