import { patched, setHandler } from '@temporalio/workflow';
import {
  beginShadowsUpdate,
  beginShadowUpdate,
  catchUpUpdate,
  holdUpdate,
  resyncEndedSignal,
  resyncPhaseSignal,
  shadowProgressSignal,
  shadowsProgressSignal,
  swapShadowsUpdate,
  type ShadowRequest,
  type ShadowStart,
} from '../contract/messages.js';
import type { Shadow, SwapOutcome } from '../contract/workflow-io.js';
import type { PipeTables } from './pipe-tables.js';
import { parsePipeConfig, type TableConfig } from '../pipe/config.js';
import { permanentFailure } from '../pipe/errors.js';
import { RESYNC_SUFFIX } from '../pipe/names.js';
import type { InitialLoadStats } from '../pipe/status.js';
import { recordActivity, resetStatistics } from '../pipe/status-updates.js';
import { setupActivities, stepActivities } from './activity-options.js';
import type { PipeRun } from './pipe-run.js';

/**
 * The pipe's side of an online resync. The pipe is the one CDC writer, so
 * it creates each shadow between two batches (its start position is then
 * the binlog's end, and the next batch writes it), waits for CDC to reach a
 * position, and swaps the loaded shadows in between two batches, so that no
 * change is written to only one of a table's two copies.
 */
export function registerShadowHandlers(pipe: PipeRun): void {
  setHandler(beginShadowUpdate, (request) => pipe.tracked(() => beginShadow(pipe, request)));
  setHandler(beginShadowsUpdate, (request) => pipe.tracked(() => beginShadows(pipe, request)));
  setHandler(catchUpUpdate, ({ position, release }) => pipe.reach(position, release));
  setHandler(holdUpdate, ({ holder, seconds }) => pipe.tracked(() => pipe.hold(holder, seconds)));
  setHandler(swapShadowsUpdate, ({ resync, tables }) => pipe.tracked(() => swapShadows(pipe, resync, tables)));
  setHandler(shadowProgressSignal, ({ resync, table, load }) => shadowProgress(pipe, resync, table, load));
  setHandler(shadowsProgressSignal, ({ resync, loads }) => {
    for (const [table, load] of Object.entries(loads)) shadowProgress(pipe, resync, table, load);
  });
  // Only a whole-pipe resync sends its steps: they are the pipe's status meanwhile.
  setHandler(resyncPhaseSignal, ({ resync, phase, error }) => {
    if (phase === null) return endResync(pipe, resync);
    if (!pipe.view.resyncs?.[resync]) {
      // The original pipe's statistics are cleared, as for a new pipe.
      resetStatistics(pipe.view);
      (pipe.view.resyncs ??= {})[resync] = { tables: [], whole: true };
    }
    pipe.resyncPhase = phase;
    if (error) pipe.view.lastError = error;
    if (pipe.view.status !== 'Failed' && pipe.view.status !== 'Paused') pipe.controls.setStatus(phase);
  });
  setHandler(resyncEndedSignal, ({ resync }) => endResync(pipe, resync));
}

/** A shadow's load, as its resync reports it: the pipe's Initial Load Stats of the table. */
function shadowProgress(pipe: PipeRun, resync: string, table: string, load: InitialLoadStats): void {
  const stats = pipe.view.tables[table];
  if (!stats || pipe.tables?.shadows[table]?.resync !== resync) return;
  recordActivity(pipe.view, new Date(), { rowsLoaded: Math.max(0, load.rowsLoaded - stats.initialLoad.rowsLoaded) });
  stats.initialLoad = load;
}

function beginShadow(pipe: PipeRun, request: { resync: string; table: TableConfig; marker: string; whole: boolean }): Promise<ShadowStart> {
  const { resync, table, marker, whole } = request;
  return beginShadows(pipe, { resync, shadows: [{ table, marker }], whole }).then(([start]) => start!);
}

/** Begins the shadows not begun yet, all at one boundary; refused as a whole, before any begins, if one table is. */
async function beginShadows(pipe: PipeRun, request: { resync: string; shadows: ShadowRequest[]; whole: boolean }): Promise<ShadowStart[]> {
  const { resync, shadows, whole } = request;
  const tables = await pipe.followedTables();
  if (!tables) throw permanentFailure(`pipe ${pipe.config.name} is not following the binlog yet (status ${pipe.view.status}): resync it once it is Running`);
  const begun = (s: ShadowRequest) => {
    const current = tables.shadows[s.table.name];
    return current?.resync === resync && current.marker === s.marker ? { position: current.from, schema: current.schema } : null;
  };
  if (shadows.every(begun)) return shadows.map((s) => begun(s)!);
  for (const { table } of shadows.filter((s) => !begun(s))) {
    const current = tables.shadows[table.name];
    // (The same resync starting a table again replaces its shadow.)
    if (current && current.resync !== resync) throw permanentFailure(`table "${table.name}" is already being resynced (${current.resync})`);
    if (!pipe.config.tables.some((t) => t.name === table.name)) throw permanentFailure(`pipe ${pipe.config.name} has no table "${table.name}"`);
  }
  return pipe.atBoundary(async () => {
    const found = shadows.map(begun);
    const starts = await prepareShadows(pipe, shadows, found);
    shadows.forEach(({ table, marker }, i) => {
      const start = starts[i]!;
      if (!found[i]) tables.beginShadow(table.name, { resync, marker, schema: start.schema, from: start.position, state: 'Loading', config: table });
      const entry = ((pipe.view.resyncs ??= {})[resync] ??= { tables: [], whole });
      if (!entry.tables.includes(table.name)) entry.tables.push(table.name);
    });
    return starts;
  });
}

/** Patch id: the pipe swaps a request's tables with one activity (one each held CDC for a workflow task a table). */
const SWAPS_TOGETHER = 'swaps-together';

/** Patch id: the shadows of one request are prepared by one activity (one each took a connection and a check of the source each). */
const SHADOWS_PREPARED_TOGETHER = 'shadows-prepared-together';

/** The shadows not `found` begun already, prepared at the source and in ClickHouse; each one's start, in order. */
async function prepareShadows(pipe: PipeRun, shadows: ShadowRequest[], found: (ShadowStart | null)[]): Promise<ShadowStart[]> {
  if (patched(SHADOWS_PREPARED_TOGETHER)) {
    const missing = shadows.filter((_, i) => !found[i]);
    const prepared =
      missing.length > 0 ? await setupActivities.prepareShadows({ config: { ...pipe.config, tables: missing.map((s) => s.table) }, markers: missing.map((s) => s.marker) }) : [];
    let next = 0;
    return found.map((start) => start ?? prepared[next++]!);
  }
  // All settled before the next batch: none still creating a table the batch does not know.
  const settled = await Promise.allSettled(
    shadows.map(({ table, marker }, i) => found[i] ?? setupActivities.prepareShadow({ config: { ...pipe.config, tables: [table] }, marker })),
  );
  return settled.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
}

async function swapShadows(pipe: PipeRun, resync: string, names: string[]): Promise<Record<string, SwapOutcome | 'ended'>> {
  const tables = await pipe.followedTables();
  if (!tables) throw permanentFailure(`pipe ${pipe.config.name} is not following the binlog`);
  return pipe.atBoundary(async () => {
    const outcomes: Record<string, SwapOutcome | 'ended'> = {};
    const together = patched(SWAPS_TOGETHER);
    const swapping: { name: string; shadow: Shadow }[] = [];
    for (const name of names) {
      const shadow = tables.shadows[name];
      if (!shadow || shadow.resync !== resync) {
        // A retried request finds the table swapped; otherwise its shadow was ended.
        outcomes[name] = pipe.swappedBy.get(name) === resync ? 'already-swapped' : 'ended';
        continue;
      }
      if (together) swapping.push({ name, shadow });
      // (Histories from before SWAPS_TOGETHER: an activity a table.)
      else await swapMany(pipe, tables, resync, [{ name, shadow }], false, outcomes);
    }
    if (swapping.length > 0) await swapMany(pipe, tables, resync, swapping, true, outcomes);
    return outcomes;
  });
}

/**
 * Swaps the shadows in, with one swapTables (`together`) or, for a single
 * shadow, one swapTable; on a failure they go back to Loading, and the
 * error is thrown.
 */
async function swapMany(
  pipe: PipeRun,
  tables: PipeTables,
  resync: string,
  swapping: { name: string; shadow: Shadow }[],
  together: boolean,
  outcomes: Record<string, SwapOutcome | 'ended'>,
): Promise<void> {
  const at = { database: pipe.config.destination.database, resyncSuffix: RESYNC_SUFFIX };
  const pairs = swapping.map(({ shadow }) => ({ schema: shadow.schema, marker: shadow.marker }));
  for (const { name, shadow } of swapping) {
    shadow.state = 'Swapping';
    tables.refresh(name);
  }
  let swapped: SwapOutcome[];
  try {
    swapped = together ? await stepActivities.swapTables({ ...at, tables: pairs }) : [await stepActivities.swapTable({ ...at, ...pairs[0]! })];
  } catch (err) {
    for (const { name, shadow } of swapping) {
      shadow.state = 'Loading';
      tables.refresh(name);
    }
    throw err;
  }
  swapping.forEach(({ name, shadow }, i) => {
    outcomes[name] = swapped[i]!;
    tables.swapped(name);
    pipe.swappedBy.set(name, resync);
    // The resync's table configuration (a new ORDER BY) is the pipe's from now on.
    pipe.config = parsePipeConfig({ ...pipe.config, tables: pipe.config.tables.map((t) => (t.name === name ? shadow.config : t)) });
  });
}

function endResync(pipe: PipeRun, resync: string): void {
  for (const [table, shadow] of Object.entries(pipe.tables?.shadows ?? {})) {
    if (shadow.resync === resync) pipe.tables?.endShadow(table);
  }
  const whole = pipe.view.resyncs?.[resync]?.whole;
  delete pipe.view.resyncs?.[resync];
  if (whole && pipe.resyncPhase !== null) {
    pipe.resyncPhase = null;
    if (pipe.view.status !== 'Failed' && pipe.view.status !== 'Paused') pipe.controls.setStatus('Running');
  }
}
