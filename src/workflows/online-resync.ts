import { continueAsNew, getExternalWorkflowHandle, patched, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import {
  resyncEndedSignal,
  resyncPhaseSignal,
  resyncRefusedSignal,
  shadowStoppedSignal,
} from '../contract/messages.js';
import type { OnlineResyncCarryOver, ResyncWorkflowFunction, ResyncWorkflowResult, SwapOutcome } from '../contract/workflow-io.js';
import type { PipeConfig } from '../pipe/config.js';
import { pipeWorkflowId, RESYNC_SUFFIX } from '../pipe/names.js';
import type { ParsedResyncRequest } from '../pipe/resync-options.js';
import { initialView, type PipeStatus } from '../pipe/status.js';
import { positionReached } from '../pipe/version.js';
import { digest } from '../pipe/digest.js';
import { stepActivities } from './activity-options.js';
import { packCarryOver } from './carry-over.js';
import { PipeControls } from './controls.js';
import { groupsOf, inLanes } from '../pipe/lanes.js';
import { checkShadows } from './shadow-check.js';
import { carrySoftDeletesOf } from './carried-deletes.js';
import { loadShadow } from './shadow-load.js';
import { loadShadows } from './shadow-groups.js';
import { timeToCarryOn, type ResyncJob } from './resync-job.js';

/** Patch id: each loaded `_resync` table is validated (and repaired) before its swap. */
const VALIDATE_BEFORE_SWAP = 'validate-before-swap';

/** Patch id: a long load goes on in the workflow's next run (continue-as-new) between two tables. */
const RESYNC_YIELDS = 'resync-yields';

/** Patch id: the pipe swaps the shadows in SWAP_GROUP at a time, each group between two batches. */
const SWAPS_IN_GROUPS = 'swaps-in-groups';

/**
 * Tables swapped in between the same two batches. Each swap is an activity
 * in the pipe's workflow while CDC waits: all of hundreds of tables at once
 * held CDC for tens of seconds and grew one run of the pipe's history by
 * about 12 events a table. (Both copies take every change, so tables
 * swapped a batch apart hold the same data.)
 */
const SWAP_GROUP = 16;

/**
 * Patch id: SWAP_GROUP_TOGETHER tables a group, now that the pipe swaps a
 * group with one activity (swaps-together): a swap is about 26 ms of
 * statements, and each group waits for a batch to end (about 1.4 s
 * measured), so 300 tables took 34 s in groups of 16.
 */
const LARGER_SWAP_GROUPS = 'larger-swap-groups';
const SWAP_GROUP_TOGETHER = 64;

/**
 * Parts (about a table's load chunks) validated at once before the swap:
 * the workflow may continue as new after each group. As many as one
 * validation round compares, so grouping adds no wait for the pipe.
 */
const CHECK_PARTS = 64;

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
 *
 * When its history grows long, the load goes on in a next run of the
 * workflow (continue-as-new) between two tables: `carryOver` is what the
 * earlier runs did.
 */
export async function onlineResync(request: ParsedResyncRequest, config: PipeConfig, carryOver?: OnlineResyncCarryOver): Promise<ResyncWorkflowResult> {
  const resync = workflowInfo().workflowId;
  const whole = !request.tables;
  const tables = config.tables.filter((t) => whole || request.tables!.includes(t.name));
  // Its status is its own: the pipe shows the pipe's.
  const controls = new PipeControls(carryOver?.view ?? initialView({ ...config, tables }, new Date()), carryOver?.paused ?? false, false);
  const pipe = getExternalWorkflowHandle(pipeWorkflowId(config.name));
  const tell = async (phase: PipeStatus | null, error?: string) => {
    if (whole) await pipe.signal(resyncPhaseSignal, { resync, phase, ...(error ? { error } : {}) });
  };
  controls.onFailed = async (message) => {
    await (whole ? tell('Failed', message) : pipe.signal(resyncRefusedSignal, `resync ${resync} failed: ${message} (pipectl resume retries it)`));
  };
  const stopped = new Map<string, string>(Object.entries(carryOver?.stopped ?? {}));
  setHandler(shadowStoppedSignal, ({ table, reason }) => void stopped.set(table, reason));
  const marker = carryOver?.marker ?? `resync ${uuid4()}`;
  const job: ResyncJob = {
    config,
    resync,
    whole,
    controls,
    stopped,
    marker,
    tell,
    tables,
    loading: !!carryOver,
    starts: carryOver?.starts ?? {},
    results: {},
    checked: new Set(carryOver?.checked),
    done: 0,
    yields: patched(RESYNC_YIELDS),
  };
  const toLoad = carryOver ? tables.filter((t) => carryOver.left.includes(t.name)) : tables;
  const outcome = await controls.untilDropped(async (): Promise<ResyncWorkflowResult | OnlineResyncCarryOver> => {
    if (!carryOver) await tell('Setup');
    const left = toLoad.length > 0 ? await controls.step('Snapshot', () => loadShadows(job, toLoad)) : [];
    if (left.length > 0) return carryOn(job, left);
    await tell('Resync');
    return checkAndSwap(job);
  });
  if (outcome !== 'Dropped' && 'left' in outcome) return continueAsNew<ResyncWorkflowFunction>(request, packCarryOver(outcome));
  // Done (or given up: the pipe stops writing the shadows); a whole-pipe resync's status ends.
  await pipe.signal(resyncEndedSignal, { resync });
  return outcome === 'Dropped' ? { status: 'Dropped', tables: job.results } : outcome;
}

/**
 * Validates the loaded shadows (in groups of about CHECK_PARTS parts: a
 * long history goes on in the next run between two), swaps them in, and
 * loads again those whose shadow the pipe ended meanwhile (their definition
 * changed), until all are in.
 */
async function checkAndSwap(job: ResyncJob): Promise<ResyncWorkflowResult | OnlineResyncCarryOver> {
  const { config, controls } = job;
  const validate = config.settings.validateBeforeSwap && patched(VALIDATE_BEFORE_SWAP);
  for (let round = 0, pending = job.tables; pending.length > 0; round++) {
    const names = pending.map((t) => t.name);
    // (A shadow the pipe has ended meanwhile is loaded again below, and checked then.)
    const unchecked = () => names.filter((n) => !job.stopped.has(n) && !job.checked.has(n));
    for (let group = 0; validate && unchecked().length > 0; group++) {
      // (Histories from before groups checked every table at once.)
      const shadows = job.yields ? nextGroup(job, unchecked()) : unchecked();
      const run = `${job.marker}/check/${round}${group > 0 ? `/${group}` : ''}`;
      await controls.step('Resync', () => checkShadows(config, job.resync, run, shadows.map((n) => job.starts[n]!.schema)));
      shadows.forEach((n) => job.checked.add(n));
      job.done++;
      if (round === 0 && unchecked().length > 0 && timeToCarryOn(job)) return carryOn(job, []);
    }
    job.checked.clear();
    const ended = await controls.step('Resync', () => swapIn(job, names));
    pending = job.tables.filter((t) => ended.includes(t.name));
    if (pending.length > 0) await controls.step('Resync', () => inLanes(pending, config.settings.snapshotTablesInParallel, (t) => loadShadow(job, t)));
  }
  controls.setStatus('Running');
  return { status: 'Running', tables: job.results };
}

/** Tables of `names`, in order, whose parts (as many as their load's chunks) add up to at most CHECK_PARTS; at least one. */
function nextGroup(job: ResyncJob, names: string[]): string[] {
  let parts = 0;
  const group = names.filter((n) => (parts += Math.max(1, job.controls.view.tables[n]?.initialLoad.chunksTotal ?? 1)) <= CHECK_PARTS);
  return group.length > 0 ? group : names.slice(0, 1);
}

/** What the next run goes on from. */
function carryOn(job: ResyncJob, left: string[]): OnlineResyncCarryOver {
  const { config, marker, controls } = job;
  const stopped = Object.fromEntries(job.stopped);
  return { mode: 'online', config, marker, view: controls.view, paused: controls.paused, starts: job.starts, stopped, left, checked: [...job.checked] };
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
  const carried = await carrySoftDeletesOf(config.destination.database, names.map((n) => job.starts[n]!), RESYNC_SUFFIX);
  const swaps: Record<string, SwapOutcome | 'ended'> = {};
  const grouped = patched(SWAPS_IN_GROUPS);
  const size = grouped && patched(LARGER_SWAP_GROUPS) ? SWAP_GROUP_TOGETHER : SWAP_GROUP;
  for (const group of grouped ? groupsOf(names, size) : [names]) {
    Object.assign(swaps, await stepActivities.swapShadows({ pipe: config.name, resync, run, tables: group }));
  }
  const ended: string[] = [];
  for (const name of names) {
    const swap = swaps[name] ?? 'already-swapped';
    if (swap === 'ended') {
      ended.push(name);
      continue;
    }
    job.results[name] = { rows: job.controls.view.tables[name]?.initialLoad.rowsLoaded ?? 0, softDeletesCarried: carried.get(name) ?? 0, swap };
  }
  return ended;
}
