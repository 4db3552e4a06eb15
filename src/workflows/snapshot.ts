import { condition, patched } from '@temporalio/workflow';
import type { PreparePipeResult } from '../contract/activity-io.js';
import type { LoadResume } from '../contract/workflow-io.js';
import type { PipeConfig } from '../pipe/config.js';
import { snapshotVersion } from '../pipe/version.js';
import type { BinlogPosition } from '../pipe/status.js';
import { finishTableLoad, startTableLoad } from '../pipe/status-updates.js';
import type { PipeControls } from './controls.js';
import { loadActivities, setupActivities, stepActivities } from './activity-options.js';
import { RESYNC_SUFFIX } from '../pipe/names.js';
import { inLanes } from '../pipe/lanes.js';
import { loadChunkOf, perChunkRate, rowsPerPartition, type SnapshotPlan, type TableLoad } from './chunk-load.js';
import { POOLED_LOAD, loadTablesPooled, type LoadOutcome } from './pooled-load.js';
import { watchingBinlog } from './binlog-watch.js';
import { historyLong } from './carry-over.js';

/**
 * Patch id: Setup leaves the CREATE TABLEs to the pooled load, which creates
 * each group of tables while planning it (300 of them took most of Setup).
 */
const TABLES_WITH_PLANS = 'tables-with-plans';

/**
 * The initial load (histories from before the pooled load, see
 * pooled-load.ts): tables `snapshotTablesInParallel` at a time, each split
 * into key-range chunks loaded `snapshotParallelThreads` at a time. Only
 * plans, cursors and counts pass through the workflow; rows go straight from
 * MySQL to ClickHouse inside the chunk activities. Returns the tables whose
 * definition changed under their load, with what changed.
 */
export async function loadTables(plan: SnapshotPlan): Promise<LoadOutcome> {
  if (patched(POOLED_LOAD)) return loadTablesPooled(plan);
  if (plan.createTables) throw new Error('only the pooled load creates the tables Setup left');
  const changed: Record<string, string> = {};
  await inLanes(plan.schemas, plan.config.settings.snapshotTablesInParallel, async (schema) => {
    const change = await loadTable({ ...plan, schema, target: plan.target(schema.table), load: plan.view.tables[schema.table]!.initialLoad });
    if (change) changed[schema.table] = change;
  });
  return { changed, left: [] };
}

/**
 * One table: planned into chunks, loaded `snapshotParallelThreads` at a
 * time. An ALTER TABLE under the load ends it early: returns what changed
 * (the table must be loaded again from its new definition), else null.
 */
export async function loadTable(job: TableLoad): Promise<string | null> {
  const { settings, source } = job.config;
  const { schema, load } = job;
  const rate = perChunkRate(settings);
  startTableLoad(load, new Date());
  const chunks = await loadActivities.planTableChunks({ source, schema, rowsPerPartition: rowsPerPartition(settings, rate) });
  load.chunksTotal = chunks.length;
  job.onProgress?.();
  let changed: string | null = null;
  await inLanes(chunks, settings.snapshotParallelThreads, async (chunk) => {
    await condition(() => !job.isPaused());
    if (changed) return;
    changed ??= await loadChunkOf(job, chunk, rate);
    job.onProgress?.();
  });
  if (changed) return changed;
  finishTableLoad(load, new Date());
  job.onProgress?.();
  return null;
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
  /** Load even if the binlog's retention looks shorter than the load (`--force`). */
  skipRetentionCheck?: boolean;
  /** Goes on with a load an earlier run of the workflow began (Setup is done). */
  resume?: LoadResume;
}

/** The load's version: the position recorded after the schemas were read (absent in results of older versions: CDC's start); 0 without CDC. */
const versionOf = (at: BinlogPosition | null | undefined) => (at ? snapshotVersion(at) : 0);

/** What Setup and the load left: the tables' schemas and CDC's start, and the tables whose definition changed under their load (CDC reloads them). */
export type LoadedTables = PreparePipeResult & { changed: Record<string, string> };

/**
 * Setup then Snapshot, as steps a user can see and retry: check the source,
 * create the tables, record the binlog position, then load every table with
 * that position's version.
 */
export async function prepareAndLoad(controls: PipeControls, job: PrepareAndLoad): Promise<LoadedTables> {
  const loaded = await loadInRuns(controls, job);
  if ('resume' in loaded) throw new Error('a load that may not yield yielded');
  return loaded;
}

/**
 * prepareAndLoad for a workflow that continues as new: once its history is
 * long, returns the load to go on with in its next run instead.
 */
export async function prepareAndLoadInRuns(controls: PipeControls, job: PrepareAndLoad): Promise<LoadedTables | { resume: LoadResume }> {
  return loadInRuns(controls, job, historyLong);
}

async function loadInRuns(controls: PipeControls, job: PrepareAndLoad, yieldWanted?: () => boolean): Promise<LoadedTables | { resume: LoadResume }> {
  const { config, tableSuffix, replaceTables, position, skipRetentionCheck, resume } = job;
  const loadId = resume?.loadId ?? job.loadId;
  const comment = resume?.comment ?? job.comment ?? `load ${loadId}`;
  const prepared =
    resume?.prepared ??
    (await controls.step('Setup', () =>
      setupActivities.preparePipe({ config, tableSuffix, replaceTables, comment, position, skipRetentionCheck, deferTables: patched(TABLES_WITH_PLANS) }),
    ));
  const replacing = new Set(prepared.replacing);
  const tablesDone = () => prepared.schemas.filter((s) => controls.view.tables[s.table]?.initialLoad.done).length;
  const loaded = await controls.step('Snapshot', () =>
    watchingBinlog(config, prepared.position, tablesDone, () =>
      loadTables({
        config,
        schemas: resume ? prepared.schemas.filter((s) => resume.tables.includes(s.table)) : prepared.schemas,
        version: versionOf(prepared.schemaAt ?? prepared.position),
        loadId,
        target: (table) => table + (replacing.has(table) ? RESYNC_SUFFIX : tableSuffix),
        view: controls.view,
        isPaused: () => controls.paused,
        yieldWanted,
        ...(prepared.tablesDeferred ? { createTables: { comment } } : {}),
      }),
    ),
  );
  const changed = { ...resume?.changed, ...loaded.changed };
  if (loaded.left.length > 0) return { resume: { prepared, loadId, comment, tables: loaded.left.map((s) => s.table), changed } };
  // Tables left by an earlier pipe of this name: the fresh ones take their place.
  const database = config.destination.database;
  for (const schema of prepared.schemas.filter((s) => replacing.has(s.table) && !changed[s.table])) {
    const table = { database, schema, resyncSuffix: RESYNC_SUFFIX, marker: comment };
    await controls.step('Snapshot', async () => {
      await stepActivities.carrySoftDeletes(table);
      await stepActivities.swapTable(table);
    });
  }
  return { ...prepared, changed };
}
