import { condition, patched } from '@temporalio/workflow';
import type { Chunk } from '../pipe/chunk.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { finishTableLoad, startTableLoad } from '../pipe/status-updates.js';
import { loadActivities, setupActivities } from './activity-options.js';
import { loadChunkOf, loadTablesOf, perChunkRate, rowsPerPartition, type SnapshotPlan, type TableLoad } from './chunk-load.js';
import { groupsOf, inLanes } from '../pipe/lanes.js';

/** Patch id: the tables of a load share one pool of chunk lanes. */
export const POOLED_LOAD = 'pooled-load';

/** Patch id: a load stops beginning tables when its workflow should continue as new. */
const LOAD_YIELDS = 'load-yields';

/** Patch id: tables are planned in groups of PLAN_GROUP, one activity a group. */
const BATCHED_PLANS = 'batched-plans';

/**
 * Tables planned by one activity. Each activity costs a round trip to the
 * server and a workflow task, more than planning a small table: a pipe of
 * 300 small tables paid for 300 of them.
 */
const PLAN_GROUP = 16;

/**
 * Patch id: small tables of one chunk are loaded several at a time, one
 * activity for them all; and a lane woken for work another lane took waits
 * for the next plans (it used to end, so a load could go on in one lane).
 */
const SMALL_TABLES_TOGETHER = 'small-tables-together';

/**
 * A table of one chunk of at most SMALL_TABLE_ROWS rows is small; one
 * activity loads up to SMALL_TABLES_AT_ONCE of them, SMALL_TABLE_ROWS rows
 * in all. Measured: a small table's own activity and workflow task cost more
 * than copying it, and workflow tasks run one at a time.
 */
const SMALL_TABLE_ROWS = 20_000;
const SMALL_TABLES_AT_ONCE = 16;

/** What a load did: the tables whose definition changed under it, and those it left for the next run. */
export interface LoadOutcome {
  changed: Record<string, string>;
  /** Tables not begun because the workflow should continue as new (see SnapshotPlan.yieldWanted). */
  left: TableSchema[];
}

interface Work {
  /** The table's place in the load: chunks are taken in table order. */
  order: number;
  job: TableLoad;
  chunk: Chunk;
  /** The table's chunks not loaded yet. */
  left: { n: number };
}

/** A small table's rows at most (a table of one chunk, planned with its rows bounded), else undefined. */
function smallRows(w: Work | undefined): number | undefined {
  const rows = w?.chunk.rowsAtMost;
  return rows !== undefined && rows <= SMALL_TABLE_ROWS ? rows : undefined;
}

/** If `first` is a small table, the small tables queued right after it (taken off the queue), to be loaded with it. */
function smallAfter(first: Work, queue: Work[]): Work[] {
  let rows = smallRows(first) ?? Infinity;
  const more: Work[] = [];
  for (let next = smallRows(queue[0]); next !== undefined && more.length + 1 < SMALL_TABLES_AT_ONCE && rows + next <= SMALL_TABLE_ROWS; next = smallRows(queue[0])) {
    rows += next;
    more.push(queue.shift()!);
  }
  return more;
}

/**
 * Loads a table's chunk, or several small tables with one activity; notes
 * the tables whose definition changed under their load in `changed`, and
 * finishes the tables whose last chunk this was.
 */
async function loadWorks(works: Work[], rate: number | undefined, changed: Record<string, string>): Promise<void> {
  const [work] = works;
  let changes: (string | null)[] = [];
  if (works.length > 1) changes = await loadTablesOf(works, rate);
  // A table whose definition changed is not loaded further.
  else if (work && !changed[work.job.schema.table]) changes = [await loadChunkOf(work.job, work.chunk, rate)];
  works.forEach((w, i) => {
    const table = w.job.schema.table;
    const change = changes[i];
    if (change) changed[table] ??= change;
    if (--w.left.n === 0 && !changed[table]) finishTableLoad(w.job.load, new Date());
    w.job.onProgress?.();
  });
}

/** The chunks of a group of tables (one table in older histories); their tables, if Setup left them, are created meanwhile. */
async function planGroup(plan: SnapshotPlan, group: TableSchema[], rowsPerPartition: number, batched: boolean): Promise<Chunk[][]> {
  const { source, destination } = plan.config;
  const [plans] = await Promise.all([
    batched
      ? loadActivities.planTablesChunks({ source, schemas: group, rowsPerPartition })
      : loadActivities.planTableChunks({ source, schema: group[0]!, rowsPerPartition }).then((chunks) => [chunks]),
    plan.createTables &&
      setupActivities.createTables({
        database: destination.database,
        tables: group.map((schema) => ({ table: plan.target(schema.table), schema })),
        comment: plan.createTables.comment,
      }),
  ]);
  return plans;
}

/**
 * The initial load with one pool of `snapshotParallelThreads ×
 * snapshotTablesInParallel` lanes for every table's chunks (as many as the
 * source ever had to serve at once): tables are planned ahead while others
 * load, and a lane that a table no longer needs takes the next table's
 * chunks, so hundreds of small tables do not wait for each other one by
 * one. When `yieldWanted` comes true, tables begun are finished and the
 * others left for the next run: a history grows by one run's tables at most.
 */
export async function loadTablesPooled(plan: SnapshotPlan): Promise<LoadOutcome> {
  const { settings } = plan.config;
  const lanes = settings.snapshotParallelThreads * settings.snapshotTablesInParallel;
  const rate = perChunkRate(settings);
  const changed: Record<string, string> = {};
  const queue: Work[] = [];
  const begun = new Set<string>();
  const wanted = plan.yieldWanted && patched(LOAD_YIELDS) ? plan.yieldWanted : () => false;
  // Each run loads at least one table.
  const yielding = () => begun.size > 0 && wanted();
  let planned = false;
  const rows = rowsPerPartition(settings, rate);
  const batched = patched(BATCHED_PLANS);
  const together = patched(SMALL_TABLES_TOGETHER);
  const groups = batched ? groupsOf(plan.schemas, PLAN_GROUP) : plan.schemas.map((schema) => [schema]);
  const planning = inLanes(groups, lanes, async (group: TableSchema[]) => {
    if (yielding()) return;
    const jobs = group.map(
      (schema): TableLoad => ({ ...plan, schema, target: plan.target(schema.table), load: plan.view.tables[schema.table]!.initialLoad, ...plan.perTable?.(schema.table) }),
    );
    for (const job of jobs) startTableLoad(job.load, new Date());
    const plans = await planGroup(plan, group, rows, batched);
    jobs.forEach((job, i) => {
      const chunks = plans[i] ?? [];
      job.load.chunksTotal = chunks.length;
      const left = { n: chunks.length };
      const order = plan.schemas.indexOf(job.schema);
      queue.push(...chunks.map((chunk) => ({ order, job, chunk, left })));
    });
    // In table order whatever order the plans came in (a stable sort): tables finish one after another, not all at the end.
    queue.sort((a, b) => a.order - b.order);
  }).finally(() => {
    planned = true;
  });
  planning.catch(() => undefined);
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (;;) {
        await condition(() => queue.length > 0 || planned);
        // Yielding: only the chunks of tables begun are taken.
        const next = yielding() ? queue.findIndex((w) => begun.has(w.job.schema.table)) : 0;
        const work = next < 0 ? undefined : queue.splice(next, 1)[0];
        // Planning goes on: whatever woke this lane another one took first.
        if (!work && together && next === 0 && !planned) continue;
        if (!work) return;
        const works = [work, ...(together && !yielding() ? smallAfter(work, queue) : [])];
        for (const w of works) begun.add(w.job.schema.table);
        await condition(() => !plan.isPaused());
        await loadWorks(works, rate, changed);
      }
    }),
  );
  await planning;
  return { changed, left: plan.schemas.filter((s) => !begun.has(s.table)) };
}
