import { patched } from '@temporalio/workflow';
import type { ShadowStart } from '../contract/messages.js';
import type { TableConfig } from '../pipe/config.js';
import { groupsOf, inLanes } from '../pipe/lanes.js';
import { timeToCarryOn, type ResyncJob } from './resync-job.js';
import { beginShadows, loadShadow, loadShadowGroup } from './shadow-load.js';

/** Patch id: the shadows of SHADOW_GROUP tables are begun at once (see loadShadows). */
const SHADOWS_BEGUN_IN_GROUPS = 'shadows-begun-in-groups';

/** Patch id: the shadows begun together are loaded by one pooled load (see loadShadowGroup). */
const SHADOWS_POOLED = 'shadows-pooled';

/** Shadows begun by one request (the pipe prepares them all between the same two batches). */
const SHADOW_GROUP = 16;

/**
 * Loads the tables' shadows; once the history is long, returns the tables
 * not loaded (the next run loads them; a shadow begun for one is found
 * again by its marker). The shadows of SHADOW_GROUP tables are begun by one
 * request, between the same two batches: one at a time, each start waited
 * for a batch to stop, about 1.5 s a table. Each group is then loaded as
 * one (loadShadowGroup); histories from before that load its tables one by one.
 */
export async function loadShadows(job: ResyncJob, tables: TableConfig[]): Promise<string[]> {
  const left: string[] = [];
  const grouped = patched(SHADOWS_BEGUN_IN_GROUPS);
  if (grouped && patched(SHADOWS_POOLED)) return loadShadowsPooled(job, tables);
  for (const group of grouped ? groupsOf(tables, SHADOW_GROUP) : [tables]) {
    if (grouped && timeToCarryOn(job)) {
      left.push(...group.map((t) => t.name));
      continue;
    }
    const begun = grouped ? await beginShadows(job, group) : [];
    await inLanes(group, job.config.settings.snapshotTablesInParallel, async (table) => {
      if (timeToCarryOn(job)) return void left.push(table.name);
      await loadShadow(job, table, begun[group.indexOf(table)]);
      job.done++;
    });
  }
  return left;
}

/** Groups whose shadows are begun ahead of their load. */
const BEGUN_AHEAD = 3;

/**
 * loadShadows with each group of shadows loaded as one (loadShadowGroup),
 * and the shadows of the next BEGUN_AHEAD groups begun while it loads. A
 * begin waits for the CDC batch in flight to end (about 1.2 s measured on
 * 300 tables, against 0.2 s to prepare 16 shadows and about 0.4 s to load
 * 16 small tables); begins asked for meanwhile are done at the same
 * boundary between two batches.
 */
async function loadShadowsPooled(job: ResyncJob, tables: TableConfig[]): Promise<string[]> {
  const groups = groupsOf(tables, SHADOW_GROUP);
  const ahead: Promise<ShadowStart[]>[] = [];
  let asked = 0;
  const beginMore = () => {
    while (asked < groups.length && ahead.length < BEGUN_AHEAD && !timeToCarryOn(job)) {
      const begun = beginShadows(job, groups[asked++]!);
      // (Awaited once the groups before it have loaded.)
      begun.catch(() => undefined);
      ahead.push(begun);
    }
  };
  for (const [i, group] of groups.entries()) {
    beginMore();
    const begun = timeToCarryOn(job) ? undefined : ahead.shift();
    if (!begun) {
      // The next run goes on from here (groups begun already are found again by their markers).
      await Promise.all(ahead.map((b) => b.catch(() => undefined)));
      return groups.slice(i).flatMap((g) => g.map((t) => t.name));
    }
    const starts = await begun;
    beginMore();
    await loadShadowGroup(job, group, starts);
  }
  return [];
}
