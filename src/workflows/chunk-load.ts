import type { Chunk } from '../pipe/chunk.js';
import type { PipeConfig, PipeSettings } from '../pipe/config.js';
import { deepestMessage, definitionChanged } from '../pipe/errors.js';
import type { InitialLoadStats, PipeStatusView } from '../pipe/status.js';
import { recordChunkLoaded } from '../pipe/status-updates.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { loadActivities } from './activity-options.js';

/** Longest a chunk runs under a rate limit (seconds). */
const RATED_CHUNK_SECONDS = 5;

/**
 * Largest page a chunk reads and writes at once (rows). Measured: 5,000 to
 * 20,000 load at the same speed, larger pages use more memory, 100,000 is
 * slower; smaller pages also mean less to read again after a crash.
 */
const MAX_PAGE_ROWS = 5_000;

export interface SnapshotPlan {
  config: PipeConfig;
  schemas: TableSchema[];
  version: number;
  loadId: string;
  /** The destination table a source table's rows go to. */
  target: (table: string) => string;
  /** Each table's statistics, and the pipe's activity history, are kept here. */
  view: PipeStatusView;
  /** No new chunk starts while this holds (pause). */
  isPaused: () => boolean;
  /**
   * While this holds, no table begins: the ones begun are finished and the
   * load returns the others (its workflow continues as new with them).
   */
  yieldWanted?: () => boolean;
  /** Setup left the destination tables to the load: each group is created, marked with `comment`, as it is planned. */
  createTables?: { comment?: string };
  /** A table's own version and load id (a resync's shadows each start at a position of their own), and who hears of its progress. */
  perTable?: (table: string) => Pick<TableLoad, 'version' | 'loadId' | 'onProgress' | 'view'>;
}

/** One table's load: its rows go to `target` with `version`, its statistics to `load`. */
export interface TableLoad {
  config: PipeConfig;
  schema: TableSchema;
  version: number;
  loadId: string;
  target: string;
  load: InitialLoadStats;
  /** The view whose activity history counts the rows (absent: reported through onProgress). */
  view?: PipeStatusView;
  isPaused: () => boolean;
  /** Called after each chunk (and at the end). */
  onProgress?: () => void;
}

/**
 * Under a rate limit, chunks of at most RATED_CHUNK_SECONDS of work: the
 * last chunks of a table then leave lanes idle only briefly, and the pace
 * holds to the end.
 */
export function rowsPerPartition(settings: PipeSettings, rate: number | undefined): number {
  if (!rate) return settings.snapshotRowsPerPartition;
  return Math.max(1_000, Math.min(settings.snapshotRowsPerPartition, Math.round(rate * RATED_CHUNK_SECONDS)));
}

/** The source-wide cap on rows per second, shared by every chunk that can run at once. */
export function perChunkRate(settings: PipeSettings): number | undefined {
  return settings.maxRowsPerSecond ? settings.maxRowsPerSecond / (settings.snapshotParallelThreads * settings.snapshotTablesInParallel) : undefined;
}

/** What every chunk of a table's load is loaded with, whichever activity loads it. */
function chunkSettings(job: TableLoad, rate: number | undefined) {
  const { settings, source, destination } = job.config;
  return {
    source,
    destinationDatabase: destination.database,
    version: job.version,
    loadId: job.loadId,
    pageSize: Math.min(MAX_PAGE_ROWS, settings.snapshotRowsPerPartition),
    maxRowsPerSecond: rate,
    loadMode: settings.loadMode,
  };
}

/**
 * Loads one chunk of a table's load and counts it; an ALTER TABLE under it
 * ends the table's load: returns what changed, else null.
 */
export async function loadChunkOf(job: TableLoad, chunk: Chunk, rate: number | undefined): Promise<string | null> {
  try {
    const result = await loadActivities.loadChunk({ ...chunkSettings(job, rate), schema: job.schema, chunk, destinationTable: job.target });
    recordChunkLoaded(job.load, result, new Date(), job.view);
    return null;
  } catch (err) {
    if (!definitionChanged(err)) throw err;
    return deepestMessage(err);
  }
}

/**
 * Loads several tables of one chunk each (of one load) with one activity and
 * counts them; returns, for each, what changed under it, else null.
 */
export async function loadTablesOf(loads: { job: TableLoad; chunk: Chunk }[], rate: number | undefined): Promise<(string | null)[]> {
  const [first] = loads;
  if (!first) return [];
  const results = await loadActivities.loadTables({
    ...chunkSettings(first.job, rate),
    tables: loads.map(({ job, chunk }) => ({ schema: job.schema, chunk, destinationTable: job.target, version: job.version, loadId: job.loadId })),
  });
  return loads.map(({ job }, i) => {
    const result = results[i];
    if (!result) throw new Error(`loadTables returned no outcome for ${job.schema.table}`);
    if ('definitionChanged' in result) return result.definitionChanged;
    recordChunkLoaded(job.load, result, new Date(), job.view);
    return null;
  });
}
