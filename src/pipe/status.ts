import type { TableValidation } from './validation.js';

/**
 * What a pipe reports about itself: the shape returned by the status query,
 * printed by `pipectl status` and kept in the workflow's state.
 * Pure data, safe to import from workflow code.
 */

/** Completed: the initial load of a pipe with CDC off is done. */
export const PIPE_STATUSES = ['Setup', 'Snapshot', 'Running', 'Paused', 'Resync', 'Failed', 'Completed'] as const;
export type PipeStatus = (typeof PIPE_STATUSES)[number];

/** A point in the source's binlog. */
export interface BinlogPosition {
  file: string;
  pos: number;
}

/** ClickPipes' "Initial Load Stats" for one table. */
export interface InitialLoadStats {
  rowsLoaded: number;
  chunksDone: number;
  chunksTotal: number;
  /** Chunks ClickHouse read from the source itself (pull load mode). */
  chunksPulled?: number;
  /** ISO time the table's load started, or null before it starts. */
  startedAt: string | null;
  /** Milliseconds from start to finish (or to now while loading). */
  durationMs: number;
  rowsPerSecond: number;
  done: boolean;
}

export interface CdcStats {
  inserted: number;
  updated: number;
  deleted: number;
}

/**
 * A table's replication state: Live (followed exactly), Loading (its first
 * load, or a resync's load, runs), Swapping (a resync swaps its new table
 * in), NeedsResync (the pipe cannot follow it exactly any more, see
 * `reason`; the other tables go on).
 */
export const TABLE_STATES = ['Loading', 'Live', 'Swapping', 'NeedsResync'] as const;
export type TableState = (typeof TABLE_STATES)[number];

export interface TableStats {
  initialLoad: InitialLoadStats;
  cdc: CdcStats;
  /** Absent in views of older versions: Live once loaded. */
  state?: TableState;
  /** Why the table is not Live. */
  reason?: string;
  /** The table's last validation (README, "Validation"). */
  validation?: TableValidation;
}

/** A schema change at the source, as the pipe followed it. */
export interface SchemaChangeRecord {
  at: string;
  table: string;
  /** The statement, shortened. */
  statement: string;
  /** What the pipe did (columns added, renamed…; "needs a resync: …"; a reload started). */
  action: string;
}

/** One bucket of a pipe's recent activity: what the console's charts draw. */
export interface MetricSample {
  /** The bucket's start (ISO time). */
  at: string;
  /** Rows loaded (initial load, added tables, resync loads) in the bucket. */
  rowsLoaded: number;
  /** CDC changes applied in the bucket. */
  cdcChanges: number;
  /** The longest CDC lag of a batch in the bucket (seconds), null when no batch ended in it. */
  lagSeconds: number | null;
}

export interface StatusChange {
  status: PipeStatus;
  at: string;
}

export interface PipeStatusView {
  name: string;
  status: PipeStatus;
  /** The last status changes, oldest first (at most RECENT_STATUSES). */
  recentStatuses: StatusChange[];
  /** The last error: one that stopped the pipe, or one being retried. */
  lastError: string | null;
  /** When lastError happened (ISO time). */
  lastErrorAt?: string;
  /** Failed attempts that were retried (transient faults: a lost connection, ClickHouse down). */
  retries?: number;
  /** True while a pause was requested and the pipe is reaching a safe point. */
  pauseRequested: boolean;
  tables: Record<string, TableStats>;
  /** Schema changes at the source the pipe followed (or could not), the last ones, oldest first. */
  schemaChanges?: SchemaChangeRecord[];
  /** The last hour's activity, in buckets of METRIC_BUCKET_SECONDS, oldest first. */
  metrics?: MetricSample[];
  /** Resyncs running online, by workflow id, with their tables. */
  resyncs?: Record<string, { tables: string[]; whole: boolean }>;
  cdc: {
    enabled: boolean;
    batches: number;
    lastBatchAt: string | null;
    position: BinlogPosition | null;
    /** True while CDC batches fail and are retried. */
    failing?: boolean;
  };
}

export function emptyTableStats(): TableStats {
  return {
    initialLoad: {
      rowsLoaded: 0,
      chunksDone: 0,
      chunksTotal: 0,
      startedAt: null,
      durationMs: 0,
      rowsPerSecond: 0,
      done: false,
    },
    cdc: { inserted: 0, updated: 0, deleted: 0 },
  };
}

const RECENT_STATUSES = 20;

/** Changes the status, remembering the change (workflow time, so deterministic). */
export function setStatus(view: PipeStatusView, status: PipeStatus, at: Date): void {
  if (view.status === status) return;
  view.status = status;
  view.recentStatuses.push({ status, at: at.toISOString() });
  if (view.recentStatuses.length > RECENT_STATUSES) view.recentStatuses.shift();
}

/** A new pipe's (or a resync's) view: Setup, every table's statistics at zero. */
export function initialView(config: { name: string; cdc: boolean; tables: readonly { name: string }[] }, at: Date): PipeStatusView {
  return {
    name: config.name,
    status: 'Setup',
    recentStatuses: [{ status: 'Setup', at: at.toISOString() }],
    lastError: null,
    pauseRequested: false,
    tables: Object.fromEntries(config.tables.map((t) => [t.name, emptyTableStats()])),
    cdc: { enabled: config.cdc, batches: 0, lastBatchAt: null, position: null },
  };
}

/** The view of a pipe whose configuration was refused: Failed, saying why. */
export function refusedView(name: string, message: string, at: Date): PipeStatusView {
  return {
    name,
    status: 'Failed',
    recentStatuses: [{ status: 'Failed', at: at.toISOString() }],
    lastError: message,
    pauseRequested: false,
    tables: {},
    cdc: { enabled: false, batches: 0, lastBatchAt: null, position: null },
  };
}
