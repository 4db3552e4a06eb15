import { CancellationScope, condition, getExternalWorkflowHandle, patched, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import {
  resyncEndedSignal,
  resyncPhaseSignal,
  resyncRefusedSignal,
  shadowProgressSignal,
  shadowStoppedSignal,
  type ShadowStart,
} from '../contract/messages.js';
import type { ResyncTableResult, ResyncWorkflowResult } from '../contract/workflow-io.js';
import type { PipeConfig, TableConfig } from '../pipe/config.js';
import { pipeWorkflowId, RESYNC_SUFFIX } from '../pipe/names.js';
import { definitionChanged } from '../pipe/errors.js';
import type { ParsedResyncRequest } from '../pipe/resync-options.js';
import { emptyTableStats, initialView, type PipeStatus } from '../pipe/status.js';
import { positionReached, snapshotVersion } from '../pipe/version.js';
import { digest } from '../pipe/digest.js';
import { stepActivities } from './activity-options.js';
import { PipeControls } from './controls.js';
import { inLanes } from './lanes.js';
import { loadTable } from './snapshot.js';
import { checkShadows } from './shadow-check.js';

/** Patch id: each loaded `_resync` table is validated (and repaired) before its swap. */
const VALIDATE_BEFORE_SWAP = 'validate-before-swap';

/** Least time between two progress reports of a table to the pipe (ms). */
const PROGRESS_EVERY_MS = 2_000;

/**
 * An online resync: CDC never stops. For each table, the pipe creates its
 * shadow (`<table>_resync`, from the source's definition now) between two
 * batches and writes it every change past the shadow's start P; this
 * workflow loads the shadow as of P (snapshot rows carry P's version, CDC
 * rows later ones, so the order does not matter). A change of the table's
 * definition during its load ends the shadow, and its load starts again.
 * Once every table is loaded: the pipe reaches the furthest P (the old
 * tables then hold every delete to carry), soft deletes are carried, and the
 * pipe swaps the shadows in between two batches.
 *
 * A whole-pipe resync shows its steps as the pipe's status (Setup, Snapshot,
 * Resync, then Running again), with statistics starting afresh; a resync of
 * some tables shows per-table states (Loading, Swapping, Live).
 */
export async function onlineResync(request: ParsedResyncRequest, config: PipeConfig): Promise<ResyncWorkflowResult> {
  const resync = workflowInfo().workflowId;
  const whole = !request.tables;
  const tables = config.tables.filter((t) => whole || request.tables!.includes(t.name));
  // Its status is its own: the pipe shows the pipe's.
  const controls = new PipeControls(initialView({ ...config, tables }, new Date()), false, false);
  const pipe = getExternalWorkflowHandle(pipeWorkflowId(config.name));
  const tell = async (phase: PipeStatus | null, error?: string) => {
    if (whole) await pipe.signal(resyncPhaseSignal, { resync, phase, ...(error ? { error } : {}) });
  };
  controls.onFailed = async (message) => {
    await (whole ? tell('Failed', message) : pipe.signal(resyncRefusedSignal, `resync ${resync} failed: ${message} (pipectl resume retries it)`));
  };
  const stopped = new Map<string, string>();
  setHandler(shadowStoppedSignal, ({ table, reason }) => void stopped.set(table, reason));
  const job: ResyncJob = { config, resync, whole, controls, stopped, marker: `resync ${uuid4()}`, tell, loading: false, starts: {}, results: {} };
  const outcome = await controls.untilDropped(async (): Promise<ResyncWorkflowResult> => {
    await tell('Setup');
    await controls.step('Snapshot', () => inLanes(tables, config.settings.snapshotTablesInParallel, (table) => loadShadow(job, table)));
    await tell('Resync');
    const validate = config.settings.validateBeforeSwap && patched(VALIDATE_BEFORE_SWAP);
    // A table whose shadow the pipe ended (its definition changed) is loaded again, then swapped.
    for (let round = 0, pending = tables; pending.length > 0; round++) {
      const names = pending.map((t) => t.name);
      // (A shadow the pipe has ended meanwhile is loaded again below, and checked then.)
      const check = () => names.filter((n) => !job.stopped.has(n)).map((n) => job.starts[n]!.schema);
      if (validate) await controls.step('Resync', () => checkShadows(config, resync, `${job.marker}/check/${round}`, check()));
      const ended = await controls.step('Resync', () => swapIn(job, names));
      pending = tables.filter((t) => ended.includes(t.name));
      if (pending.length > 0) await controls.step('Resync', () => inLanes(pending, config.settings.snapshotTablesInParallel, (t) => loadShadow(job, t)));
    }
    controls.setStatus('Running');
    return { status: 'Running', tables: job.results };
  });
  // Done (or given up: the pipe stops writing the shadows); a whole-pipe resync's status ends.
  await pipe.signal(resyncEndedSignal, { resync });
  return outcome === 'Dropped' ? { status: 'Dropped', tables: job.results } : outcome;
}

interface ResyncJob {
  config: PipeConfig;
  resync: string;
  whole: boolean;
  controls: PipeControls;
  /** Tables whose shadow the pipe ended (their definition changed), with the reason. */
  stopped: Map<string, string>;
  marker: string;
  tell: (phase: PipeStatus | null) => Promise<void>;
  /** Whether a table's load has begun (the pipe shows Snapshot from then on). */
  loading: boolean;
  /** Each loaded table's shadow. */
  starts: Record<string, ShadowStart & { marker: string }>;
  results: Record<string, ResyncTableResult>;
}

/** One table: its shadow started by the pipe, then loaded; again from the start if the pipe ends the shadow meanwhile. */
async function loadShadow(job: ResyncJob, table: TableConfig): Promise<void> {
  const { config, resync, controls } = job;
  const pipe = getExternalWorkflowHandle(pipeWorkflowId(config.name));
  for (let attempt = 0; ; attempt++) {
    job.stopped.delete(table.name);
    const marker = `${job.marker}/${table.name}/${attempt}`;
    const start = await stepActivities.beginShadow({ pipe: config.name, resync, table, marker, whole: job.whole });
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

/**
 * The swap: once the pipe has applied every change up to the furthest
 * shadow start (so the old tables hold every delete to carry), soft deletes
 * are carried into each shadow (CDC goes on meanwhile: a carried row keeps
 * its old version, below any later change), then the pipe swaps them in.
 */
async function swapIn(job: ResyncJob, names: string[]): Promise<string[]> {
  const { config, resync } = job;
  const furthest = names.map((t) => job.starts[t]!.position).reduce((far, p) => (positionReached(p, far) ? p : far));
  // Update ids unique to this run (and to this round of swaps).
  const run = `${job.marker}/${digest(names)}`;
  await stepActivities.catchUp({ pipe: config.name, resync, run, position: furthest });
  const carried: Record<string, number> = {};
  for (const name of names) {
    const { schema, marker } = job.starts[name]!;
    carried[name] = await stepActivities.carrySoftDeletes({ database: config.destination.database, schema, resyncSuffix: RESYNC_SUFFIX, marker });
  }
  const swaps = await stepActivities.swapShadows({ pipe: config.name, resync, run, tables: names });
  const ended: string[] = [];
  for (const name of names) {
    const swap = swaps[name] ?? 'already-swapped';
    if (swap === 'ended') {
      ended.push(name);
      continue;
    }
    job.results[name] = { rows: job.controls.view.tables[name]?.initialLoad.rowsLoaded ?? 0, softDeletesCarried: carried[name] ?? 0, swap };
  }
  return ended;
}
