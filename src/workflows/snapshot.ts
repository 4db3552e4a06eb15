import { condition, proxyActivities } from '@temporalio/workflow';
import type { Activities, PreparePipeResult } from '../activities/index.js';
import type { PipeConfig } from '../pipe/config.js';
import { snapshotVersion } from '../pipe/version.js';
import type { PipeControls } from './controls.js';
import { SETUP_OPTIONS } from './activity-options.js';
import type { TableSchema } from '../pipe/table-schema.js';
import type { BinlogPosition, TableStats } from '../pipe/status.js';
import { inLanes } from './lanes.js';

const { preparePipe } = proxyActivities<Activities>(SETUP_OPTIONS);

const { planTableChunks } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

const { loadChunk } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  // The chunk heartbeats every second; a dead worker's chunk moves on within 10 s.
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

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
  tableSuffix: string;
  stats: Record<string, TableStats>;
  /** No new chunk starts while this holds (pause). */
  isPaused: () => boolean;
}

/**
 * The initial load: tables `snapshotTablesInParallel` at a time, each split
 * into key-range chunks loaded `snapshotParallelThreads` at a time. Only
 * plans, cursors and counts pass through the workflow; rows go straight from
 * MySQL to ClickHouse inside the chunk activities.
 */
export async function loadTables(plan: SnapshotPlan): Promise<void> {
  const { settings, source, destination } = plan.config;
  // The source-wide cap, shared by every chunk that can run at once.
  const perChunkRate = settings.maxRowsPerSecond
    ? settings.maxRowsPerSecond / (settings.snapshotParallelThreads * settings.snapshotTablesInParallel)
    : undefined;
  await inLanes(plan.schemas, settings.snapshotTablesInParallel, async (schema) => {
    const load = plan.stats[schema.table]!.initialLoad;
    const started = Date.now();
    load.startedAt = new Date(started).toISOString();
    const updateRate = () => {
      load.durationMs = Date.now() - started;
      load.rowsPerSecond = load.durationMs > 0 ? Math.round((load.rowsLoaded * 1000) / load.durationMs) : 0;
    };
    // Under a rate limit, chunks of at most RATED_CHUNK_SECONDS of work: the
    // last chunks of a table then leave lanes idle only briefly, and the pace
    // holds to the end.
    const rowsPerPartition = perChunkRate
      ? Math.max(1_000, Math.min(settings.snapshotRowsPerPartition, Math.round(perChunkRate * RATED_CHUNK_SECONDS)))
      : settings.snapshotRowsPerPartition;
    const chunks = await planTableChunks({ source, schema, rowsPerPartition });
    load.chunksTotal = chunks.length;
    await inLanes(chunks, settings.snapshotParallelThreads, async (chunk) => {
      await condition(() => !plan.isPaused());
      const result = await loadChunk({
        source,
        schema,
        chunk,
        destinationDatabase: destination.database,
        destinationTable: schema.table + plan.tableSuffix,
        version: plan.version,
        loadId: plan.loadId,
        pageSize: Math.min(MAX_PAGE_ROWS, settings.snapshotRowsPerPartition),
        maxRowsPerSecond: perChunkRate,
        loadMode: settings.loadMode,
      });
      load.rowsLoaded += result.rows;
      load.chunksDone++;
      if (result.pulled) load.chunksPulled = (load.chunksPulled ?? 0) + 1;
      updateRate();
    });
    updateRate();
    load.done = true;
  });
}

export interface PrepareAndLoad {
  /** The tables to set up and load (all of config's, or some added later). */
  config: PipeConfig;
  tableSuffix: string;
  replaceTables: boolean;
  loadId: string;
  /** Marks the tables (a resync's swap recognises its own). */
  comment?: string;
  /** Load as of this position (recorded earlier) instead of reading one. */
  position?: BinlogPosition;
}

/**
 * Setup then Snapshot, as steps a user can see and retry: check the source,
 * create the tables, record the binlog position, then load every table with
 * that position's version.
 */
export async function prepareAndLoad(controls: PipeControls, job: PrepareAndLoad): Promise<PreparePipeResult> {
  const prepared = await controls.step('Setup', () =>
    preparePipe({
      config: job.config,
      tableSuffix: job.tableSuffix,
      replaceTables: job.replaceTables,
      comment: job.comment,
      position: job.position,
    }),
  );
  await controls.step('Snapshot', () =>
    loadTables({
      config: job.config,
      schemas: prepared.schemas,
      version: prepared.position ? snapshotVersion(prepared.position) : 0,
      loadId: job.loadId,
      tableSuffix: job.tableSuffix,
      stats: controls.view.tables,
      isPaused: () => controls.paused,
    }),
  );
  return prepared;
}
