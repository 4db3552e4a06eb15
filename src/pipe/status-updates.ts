import type { TableValidation } from './validation.js';
import { emptyTableStats, type BinlogPosition, type CdcStats, type InitialLoadStats, type PipeStatusView, type TableState } from './status.js';

/** How many schema changes the status keeps. */
const SCHEMA_CHANGES_KEPT = 50;

/**
 * Every change to a pipe's view, as pure functions of the view and the
 * time (workflow time, so deterministic): the workflows call these, and unit
 * tests check them without Temporal.
 */

/** Shows an error that stopped the pipe or a step, with its time. */
export function recordError(view: PipeStatusView, message: string, at: Date): void {
  view.lastError = message;
  view.lastErrorAt = at.toISOString();
}

/** A failed activity attempt that Temporal retries: shown as the last error, and counted. */
export function recordRetry(view: PipeStatusView, retry: { activity: string; attempt: number; error: string }, at: Date): void {
  recordError(view, `${retry.activity} (attempt ${retry.attempt}, retrying): ${retry.error}`, at);
  view.retries = (view.retries ?? 0) + 1;
}

/** Seconds per bucket of the activity history. */
export const METRIC_BUCKET_SECONDS = 15;
/** Buckets kept: a little over an hour. */
const METRIC_BUCKETS = 260;

/** Adds activity to the history's bucket of `at` (a new bucket when time has moved on; the oldest go). */
export function recordActivity(view: PipeStatusView, at: Date, activity: { rowsLoaded?: number; cdcChanges?: number; lagSeconds?: number }): void {
  const list = (view.metrics ??= []);
  const start = new Date(Math.floor(at.getTime() / (METRIC_BUCKET_SECONDS * 1000)) * METRIC_BUCKET_SECONDS * 1000).toISOString();
  let bucket = list.at(-1);
  if (bucket?.at !== start) {
    bucket = { at: start, rowsLoaded: 0, cdcChanges: 0, lagSeconds: null };
    list.push(bucket);
    if (list.length > METRIC_BUCKETS) list.splice(0, list.length - METRIC_BUCKETS);
  }
  bucket.rowsLoaded += activity.rowsLoaded ?? 0;
  bucket.cdcChanges += activity.cdcChanges ?? 0;
  if (activity.lagSeconds !== undefined) bucket.lagSeconds = Math.max(bucket.lagSeconds ?? 0, Math.round(activity.lagSeconds * 10) / 10);
}

/** A CDC batch committed at `position`, with its changes per table. */
export function recordCdcBatch(
  view: PipeStatusView,
  batch: { position: BinlogPosition; changes: number; counts: Record<string, CdcStats>; lagSeconds?: number },
  at: Date,
): void {
  view.cdc.position = batch.position;
  delete view.cdc.failing;
  // A batch without changes is caught up: no lag.
  recordActivity(view, at, { cdcChanges: batch.changes, lagSeconds: batch.changes === 0 ? 0 : (batch.lagSeconds ?? 0) });
  if (batch.changes === 0) return;
  view.cdc.batches++;
  view.cdc.lastBatchAt = at.toISOString();
  for (const [table, c] of Object.entries(batch.counts)) {
    const t = view.tables[table]?.cdc;
    if (!t) continue;
    t.inserted += c.inserted;
    t.updated += c.updated;
    t.deleted += c.deleted;
  }
}

/** A table's initial load begins. */
export function startTableLoad(load: InitialLoadStats, at: Date): void {
  load.startedAt = at.toISOString();
}

/** The duration and rate so far of a table's load. */
function updateLoadRate(load: InitialLoadStats, at: Date): void {
  load.durationMs = load.startedAt ? at.getTime() - Date.parse(load.startedAt) : 0;
  load.rowsPerSecond = load.durationMs > 0 ? Math.round((load.rowsLoaded * 1000) / load.durationMs) : 0;
}

/** One chunk of a table's load is done. */
export function recordChunkLoaded(load: InitialLoadStats, chunk: { rows: number; pulled?: boolean }, at: Date, view?: PipeStatusView): void {
  if (view) recordActivity(view, at, { rowsLoaded: chunk.rows });
  load.rowsLoaded += chunk.rows;
  load.chunksDone++;
  if (chunk.pulled) load.chunksPulled = (load.chunksPulled ?? 0) + 1;
  updateLoadRate(load, at);
}

/** A table's load is done. */
export function finishTableLoad(load: InitialLoadStats, at: Date): void {
  updateLoadRate(load, at);
  load.done = true;
}

/** A table's state, as older views (without states) imply it. */
export function tableState(view: PipeStatusView, table: string): TableState {
  const t = view.tables[table];
  return t?.state ?? (t?.initialLoad.done ? 'Live' : 'Loading');
}

/** Statistics start afresh (a whole-pipe resync): counters, recent statuses and errors; table states stay. */
export function resetStatistics(view: PipeStatusView): void {
  view.recentStatuses = [];
  view.lastError = null;
  delete view.lastErrorAt;
  view.retries = 0;
  view.cdc.batches = 0;
  view.cdc.lastBatchAt = null;
  for (const [name, t] of Object.entries(view.tables)) {
    view.tables[name] = { ...emptyTableStats(), ...(t.state ? { state: t.state } : {}), ...(t.reason ? { reason: t.reason } : {}), ...(t.validation ? { validation: t.validation } : {}) };
  }
}

/** A schema change at the source and what the pipe did about it. */
export function recordSchemaChange(view: PipeStatusView, change: { table: string; statement: string; action: string }, at: Date): void {
  const list = (view.schemaChanges ??= []);
  list.push({ at: at.toISOString(), table: change.table, statement: change.statement.replace(/\s+/g, ' ').trim().slice(0, 200), action: change.action });
  if (list.length > SCHEMA_CHANGES_KEPT) list.splice(0, list.length - SCHEMA_CHANGES_KEPT);
}

/** A table's validation ended: the status shows it until the next one. */
export function recordValidation(view: PipeStatusView, table: string, validation: TableValidation): void {
  const t = view.tables[table];
  if (t) t.validation = validation;
}

/** How a table's load moved its rows so far: pulled by ClickHouse, streamed by the worker, or both (chunk by chunk). */
export function loadModeOf(load: InitialLoadStats): 'pull' | 'stream' | 'pull+stream' | '-' {
  if (load.chunksDone === 0) return '-';
  const pulled = load.chunksPulled ?? 0;
  return pulled === 0 ? 'stream' : pulled === load.chunksDone ? 'pull' : 'pull+stream';
}
