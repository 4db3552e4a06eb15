import { condition } from '@temporalio/workflow';
import type { Chunk } from '../pipe/chunk.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { finishTableLoad, startTableLoad } from '../pipe/status-updates.js';
import { loadActivities } from './activity-options.js';
import { loadChunkOf, perChunkRate, rowsPerPartition, type SnapshotPlan, type TableLoad } from './chunk-load.js';
import { inLanes } from './lanes.js';

/** Patch id: the tables of a load share one pool of chunk lanes. */
export const POOLED_LOAD = 'pooled-load';

interface Work {
  /** The table's place in the load: chunks are taken in table order. */
  order: number;
  job: TableLoad;
  chunk: Chunk;
  /** The table's chunks not loaded yet. */
  left: { n: number };
}

/**
 * The initial load with one pool of `snapshotParallelThreads ×
 * snapshotTablesInParallel` lanes for every table's chunks (as many as the
 * source ever had to serve at once): tables are planned ahead while others
 * load, and a lane that a table no longer needs takes the next table's
 * chunks, so hundreds of small tables do not wait for each other one by
 * one. Returns the tables whose definition changed under their load.
 */
export async function loadTablesPooled(plan: SnapshotPlan): Promise<Record<string, string>> {
  const { settings, source } = plan.config;
  const lanes = settings.snapshotParallelThreads * settings.snapshotTablesInParallel;
  const rate = perChunkRate(settings);
  const changed: Record<string, string> = {};
  const queue: Work[] = [];
  let planned = false;
  const planning = inLanes(plan.schemas, lanes, async (schema: TableSchema) => {
    const job: TableLoad = { ...plan, schema, target: plan.target(schema.table), load: plan.view.tables[schema.table]!.initialLoad };
    startTableLoad(job.load, new Date());
    const chunks = await loadActivities.planTableChunks({ source, schema, rowsPerPartition: rowsPerPartition(settings, rate) });
    job.load.chunksTotal = chunks.length;
    const left = { n: chunks.length };
    const order = plan.schemas.indexOf(schema);
    // In table order whatever order the plans came in (a stable sort): tables finish one after another, not all at the end.
    queue.push(...chunks.map((chunk) => ({ order, job, chunk, left })));
    queue.sort((a, b) => a.order - b.order);
  }).finally(() => {
    planned = true;
  });
  planning.catch(() => undefined);
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (;;) {
        await condition(() => queue.length > 0 || planned);
        const work = queue.shift();
        if (!work) return;
        const { job } = work;
        const table = job.schema.table;
        await condition(() => !plan.isPaused());
        if (!changed[table]) {
          const change = await loadChunkOf(job, work.chunk, rate);
          if (change) changed[table] ??= change;
        }
        if (--work.left.n === 0 && !changed[table]) finishTableLoad(job.load, new Date());
      }
    }),
  );
  await planning;
  return changed;
}
