import { CancellationScope, condition, getExternalWorkflowHandle } from '@temporalio/workflow';
import { shadowProgressSignal, type ShadowStart } from '../contract/messages.js';
import type { TableConfig } from '../pipe/config.js';
import { definitionChanged } from '../pipe/errors.js';
import { pipeWorkflowId, RESYNC_SUFFIX } from '../pipe/names.js';
import { emptyTableStats } from '../pipe/status.js';
import { snapshotVersion } from '../pipe/version.js';
import { stepActivities } from './activity-options.js';
import type { ResyncJob } from './resync-job.js';
import { loadTable } from './snapshot.js';

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

/**
 * One table: its shadow started by the pipe (or `begun` already), then
 * loaded; again from the start if the pipe ends the shadow meanwhile.
 */
export async function loadShadow(job: ResyncJob, table: TableConfig, begun?: ShadowStart): Promise<void> {
  const { config, resync, controls } = job;
  const pipe = getExternalWorkflowHandle(pipeWorkflowId(config.name));
  for (let attempt = 0; ; attempt++) {
    const marker = shadowMarker(job, table, attempt);
    const start = attempt === 0 && begun ? begun : await beginShadow(job, table, attempt);
    // The pipe shows Snapshot once the first table loads.
    if (!job.loading) {
      job.loading = true;
      await job.tell('Snapshot');
    }
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
