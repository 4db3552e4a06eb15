import { CancellationScope, condition, getExternalWorkflowHandle, isCancellation } from '@temporalio/workflow';
import { shadowProgressSignal, shadowsProgressSignal, type ShadowStart } from '../contract/messages.js';
import type { TableConfig } from '../pipe/config.js';
import { definitionChanged } from '../pipe/errors.js';
import { pipeWorkflowId, RESYNC_SUFFIX } from '../pipe/names.js';
import { emptyTableStats } from '../pipe/status.js';
import { snapshotVersion } from '../pipe/version.js';
import { stepActivities } from './activity-options.js';
import type { ResyncJob } from './resync-job.js';
import { loadTable } from './snapshot.js';
import { loadTablesPooled } from './pooled-load.js';
import { inLanes } from '../pipe/lanes.js';
import type { InitialLoadStats } from '../pipe/status.js';

/** Least time between two progress reports of a table to the pipe (ms). */
const PROGRESS_EVERY_MS = 2_000;

/** The shadow's marker for an attempt at the table: the same one finds the same shadow again. */
const shadowMarker = (job: ResyncJob, table: TableConfig, attempt: number) => `${job.marker}/${table.name}/${attempt}`;

/** Has the pipe start the table's shadow for this attempt (a shadow begun already is returned as it is). */
function beginShadow(job: ResyncJob, table: TableConfig, attempt: number): Promise<ShadowStart> {
  job.stopped.delete(table.name);
  return stepActivities.beginShadow({ pipe: job.config.name, resync: job.resync, table, marker: shadowMarker(job, table, attempt), whole: job.whole });
}

/** Has the pipe start the tables' shadows (their first attempts) between the same two batches; in the order given. */
export function beginShadows(job: ResyncJob, tables: TableConfig[]): Promise<ShadowStart[]> {
  for (const table of tables) job.stopped.delete(table.name);
  const shadows = tables.map((table) => ({ table, marker: shadowMarker(job, table, 0) }));
  return stepActivities.beginShadows({ pipe: job.config.name, resync: job.resync, shadows, whole: job.whole });
}

/** The pipe shows Snapshot once the first table loads. */
async function loadingBegins(job: ResyncJob): Promise<void> {
  if (job.loading) return;
  job.loading = true;
  await job.tell('Snapshot');
}

/** A group's progress, told the pipe in one signal at most every PROGRESS_EVERY_MS (or at once with `all`). */
function groupProgress(job: ResyncJob, tables: TableConfig[], stats: { initialLoad: InitialLoadStats }[]) {
  const pipe = getExternalWorkflowHandle(pipeWorkflowId(job.config.name));
  const moved = new Set<number>();
  let reported = 0;
  const report = async (all: boolean) => {
    const now = new Date().getTime();
    if (moved.size === 0 || (!all && now - reported < PROGRESS_EVERY_MS)) return;
    reported = now;
    const loads: Record<string, InitialLoadStats> = {};
    for (const i of moved) loads[tables[i]!.name] = { ...stats[i]!.initialLoad };
    moved.clear();
    await pipe.signal(shadowsProgressSignal, { resync: job.resync, loads });
  };
  return {
    moved: (i: number) => {
      moved.add(i);
      void report(false);
    },
    flush: () => report(true),
  };
}

/**
 * The shadows of a group of tables, begun together (`begun`, in the order
 * of `tables`), loaded by one pooled load: its lanes go from table to
 * table, and small tables are loaded several an activity. Measured on 300
 * tables: one table after another cost about 265 ms a table in activities
 * and workflow tasks. A table the pipe ends meanwhile (its definition
 * changed) cancels the group's load; the tables it did not finish are then
 * loaded one by one (see loadShadow).
 */
export async function loadShadowGroup(job: ResyncJob, tables: TableConfig[], begun: ShadowStart[]): Promise<void> {
  const { config, controls } = job;
  await loadingBegins(job);
  const stats = tables.map((t) => (controls.view.tables[t.name] = emptyTableStats()));
  const progress = groupProgress(job, tables, stats);
  const index = new Map(tables.map((t, i) => [t.name, i]));
  const scope = new CancellationScope();
  let settled = false;
  const load = scope
    .run(() =>
      loadTablesPooled({
        config: { ...config, tables },
        schemas: begun.map((start) => start.schema),
        version: snapshotVersion(begun[0]!.position),
        loadId: job.marker,
        target: (table) => table + RESYNC_SUFFIX,
        view: controls.view,
        isPaused: () => controls.paused,
        perTable: (name) => {
          const i = index.get(name)!;
          // (Counted in the pipe's view, from the signals, as loadShadow's are.)
          return { version: snapshotVersion(begun[i]!.position), loadId: shadowMarker(job, tables[i]!, 0), view: undefined, onProgress: () => progress.moved(i) };
        },
      }),
    )
    .finally(() => {
      settled = true;
    });
  load.catch(() => undefined);
  await condition(() => settled || tables.some((t) => job.stopped.has(t.name)));
  const cancelled = !settled;
  if (cancelled) scope.cancel();
  const changed = await load.then(
    (outcome) => outcome.changed,
    (err: unknown): Record<string, string> => {
      // Cancelled: whatever it did not finish is loaded again below.
      if (cancelled || isCancellation(err)) return {};
      throw err;
    },
  );
  await progress.flush();
  const again: { table: TableConfig; begun?: ShadowStart }[] = [];
  tables.forEach((table, i) => {
    const start = begun[i]!;
    const redo = !!changed[table.name] || job.stopped.has(table.name);
    if (stats[i]!.initialLoad.done && !redo) {
      job.starts[table.name] = { ...start, marker: shadowMarker(job, table, 0) };
      job.done++;
    } else {
      // A new shadow (its definition changed), or its shadow as begun (a load cancelled with the group's).
      again.push(redo ? { table } : { table, begun: start });
    }
  });
  await inLanes(again, config.settings.snapshotTablesInParallel, async ({ table, begun: start }) => {
    await loadShadow(job, table, start, start ? 0 : 1);
    job.done++;
  });
}

/**
 * One table: its shadow started by the pipe (or `begun` already), then
 * loaded; again from the start if the pipe ends the shadow meanwhile.
 * Attempts count from `firstAttempt` (each has a shadow of its own).
 */
export async function loadShadow(job: ResyncJob, table: TableConfig, begun?: ShadowStart, firstAttempt = 0): Promise<void> {
  const { config, resync, controls } = job;
  const pipe = getExternalWorkflowHandle(pipeWorkflowId(config.name));
  for (let attempt = firstAttempt; ; attempt++) {
    const marker = shadowMarker(job, table, attempt);
    const start = attempt === firstAttempt && begun ? begun : await beginShadow(job, table, attempt);
    await loadingBegins(job);
    const stats = (controls.view.tables[table.name] = emptyTableStats());
    let reported = 0;
    const report = async () => {
      const now = new Date().getTime();
      if (!stats.initialLoad.done && now - reported < PROGRESS_EVERY_MS) return;
      reported = now;
      await pipe.signal(shadowProgressSignal, { resync, table: table.name, load: stats.initialLoad });
    };
    const scope = new CancellationScope();
    let settled = false;
    const load = scope
      .run(() =>
        loadTable({
          config: { ...config, tables: [table] },
          schema: start.schema,
          version: snapshotVersion(start.position),
          loadId: marker,
          target: table.name + RESYNC_SUFFIX,
          load: stats.initialLoad,
          isPaused: () => controls.paused,
          onProgress: () => void report(),
        }),
      )
      .finally(() => {
        settled = true;
      });
    load.catch(() => undefined);
    await condition(() => settled || job.stopped.has(table.name));
    if (settled) {
      // The table's definition changed under the load.
      const changed = await load.then((change) => change !== null, (err: unknown) => {
        if (definitionChanged(err)) return true;
        throw err;
      });
      if (!changed) {
        job.starts[table.name] = { ...start, marker };
        return;
      }
      continue;
    }
    // The table's definition changed during its load: a new shadow, loaded afresh.
    scope.cancel();
    await load.catch(() => undefined);
  }
}
