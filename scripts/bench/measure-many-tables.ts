import { rmSync } from 'node:fs';
import type { Client } from '@temporalio/client';
import { workflowRuns, type History } from '../stack/workflow-runs.js';
import { pipeWorkflowId, resyncWorkflowId } from '../../src/pipe/names.js';
import { readBinlogPosition } from '../../src/mysql/binlog-position.js';
import { rootConnection } from '../stack/mariadb.js';
import type { BenchContext } from './context.js';
import { ensureManyTables, type ManyTables } from './many-tables.js';
import { measureNativeCopy } from './measure-native-copy.js';
import { count, seconds } from './output.js';
import { createAndLoad, statusTime } from './pipe-load.js';
import type { PipeStatusView } from '../../src/pipe/status.js';
import { BENCH_DB } from './source-table.js';

export interface ManyTablesResult {
  tables: number;
  rows: number;
  /** Create → Running of one pipe over every table. */
  createToRunningMs: number;
  /** The native copies of the same tables, one after the other: the faster of the runs before and after the pipe's (the machine is shared). */
  nativeMs: number;
  nativeBeforeMs: number;
  nativeAfterMs: number;
  ratio: number;
  /** The longest history of any run of the pipe's and its resync's workflows, in events and bytes. */
  maxHistoryEvents: number;
  maxHistoryBytes: number;
  cdc: { changes: number; ms: number; changesPerSecond: number };
  resyncMs: number;
  /** How the resync's time splits, from the pipe's statuses: Setup (shadows begun), Snapshot (loads), Resync (checks, carry and swaps). */
  resyncPhases: { setupMs: number; snapshotMs: number; swapMs: number };
}

/** A history's size, its input's (a carry-over's) size, and what its events are (activities by name), most frequent first. */
function historySize(history: History): { events: number; bytes: number; inputBytes: number; kinds: string } {
  const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  const inputBytes = input.reduce((n, p) => n + (p.data?.length ?? 0), 0);
  const kinds = new Map<string, number>();
  for (const e of history.events ?? []) {
    const attrs = Object.keys(e).find((k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k]);
    const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
    const kind = (attrs ?? 'unknown').replace(/EventAttributes$/, '') + (activity ? `(${activity})` : '');
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const top = [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, n]) => `${k} ${n}`).join(', ');
  return { events: history.events?.length ?? 0, bytes: JSON.stringify(history).length, inputBytes, kinds: top };
}

type HistoryEvent = NonNullable<History['events']>[number];

const eventMs = (e: HistoryEvent | undefined) => {
  const t = e?.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : 0;
};

/**
 * Where a workflow's time went: per activity type, how many ran and their
 * time from scheduled to completed, summed; and the span of its signals to
 * other workflows. Summed times overlap (activities run in lanes).
 */
function activityTimes(history: History, into: Map<string, { n: number; ms: number }>): void {
  const events = history.events ?? [];
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const add = (kind: string, ms: number) => {
    const t = into.get(kind) ?? { n: 0, ms: 0 };
    t.n++;
    t.ms += ms;
    into.set(kind, t);
  };
  for (const e of events) {
    const done = e.activityTaskCompletedEventAttributes;
    if (done) {
      const scheduled = byId.get(Number(done.scheduledEventId));
      add(scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? 'activity', eventMs(e) - eventMs(scheduled));
    }
    const signalled = e.externalWorkflowExecutionSignaledEventAttributes;
    if (signalled) add('signal', eventMs(e) - eventMs(byId.get(Number(signalled.initiatedEventId))));
  }
}

const formatTimes = (times: Map<string, { n: number; ms: number }>) =>
  [...times]
    .sort((a, b) => b[1].ms - a[1].ms)
    .map(([k, t]) => `${k} ${t.n}× ${seconds(t.ms)}`)
    .join(', ');

/** The longest history among a workflow's runs (it continues as new), and how many runs it has. */
async function largestRun(client: Client, workflowId: string): Promise<{ events: number; bytes: number; kinds: string; runs: number; largestInput: number; times: string }> {
  let largest = { events: 0, bytes: 0, inputBytes: 0, kinds: '' };
  let runs = 0;
  let largestInput = 0;
  const times = new Map<string, { n: number; ms: number }>();
  for await (const { history } of workflowRuns(client, workflowId)) {
    runs++;
    activityTimes(history, times);
    const size = historySize(history);
    if (size.events > largest.events) largest = size;
    largestInput = Math.max(largestInput, size.inputBytes);
  }
  return { ...largest, runs, largestInput, times: formatTimes(times) };
}

/**
 * One pipe over hundreds of tables (a few large, most small): create →
 * Running against the sum of the engine's native copies, the largest
 * workflow history, CDC of changes spread over every table, and a resync.
 */
export async function measureManyTables(ctx: BenchContext, tableCount: number): Promise<ManyTablesResult> {
  ctx.out.progress(`many tables: generating ${tableCount} tables`);
  const many = await ensureManyTables(ctx.stack.mysqlPort, tableCount, 3, 100_000, 1_000);
  const before = await measureNativeCopy(ctx, many.tables);
  const measured = await measurePipe(ctx, many);
  // Again once the worker has stopped: the faster copy is the yardstick.
  const after = await measureNativeCopy(ctx, many.tables);
  const nativeMs = Math.min(before.ms, after.ms);
  const result: ManyTablesResult = { ...measured, nativeMs, nativeBeforeMs: before.ms, nativeAfterMs: after.ms, ratio: measured.createToRunningMs / nativeMs };
  ctx.out.result(
    `many tables: ${result.tables} tables, ${count(result.rows)} rows: create → Running ${seconds(result.createToRunningMs)} vs native copies ` +
      `${seconds(nativeMs)} (${seconds(before.ms)} before, ${seconds(after.ms)} after; ×${result.ratio.toFixed(2)}); ` +
      `CDC ${count(result.cdc.changes)} changes over every table in ${seconds(result.cdc.ms)}; resync ${seconds(result.resyncMs)} ` +
      `(Setup ${seconds(result.resyncPhases.setupMs)}, Snapshot ${seconds(result.resyncPhases.snapshotMs)}, checks and swaps ${seconds(result.resyncPhases.swapMs)}); ` +
      `largest history ${result.maxHistoryEvents} events, ${Math.round(result.maxHistoryBytes / 1024)} KiB`,
  );
  return result;
}

/** A resync's steps, from the statuses the pipe showed between `from` and `to`. */
function phasesOf(view: PipeStatusView, from: number, to: number): ManyTablesResult['resyncPhases'] {
  const snapshotAt = statusTime(view, 'Snapshot') ?? from;
  const resyncAt = statusTime(view, 'Resync') ?? snapshotAt;
  return { setupMs: snapshotAt - from, snapshotMs: resyncAt - snapshotAt, swapMs: to - resyncAt };
}

/** The pipe's part: create → Running, CDC over every table, a resync, and the histories they left. */
async function measurePipe(ctx: BenchContext, many: ManyTables): Promise<Omit<ManyTablesResult, 'nativeMs' | 'nativeBeforeMs' | 'nativeAfterMs' | 'ratio'>> {
  const sw = await ctx.startWorker('many');
  const pipe = 'many';
  try {
    const config = ctx.pipeConfig(pipe, many.tables[0]!, { cdc: true, more: many.tables.slice(1) });
    const load = await createAndLoad(sw.client, config, 60 * 60_000, (m) => ctx.out.progress(m));
    // Changes spread over every table, then the time until the pipe has them all.
    const root = await rootConnection(ctx.stack.mysqlPort);
    let cdc: ManyTablesResult['cdc'];
    try {
      await root.query(`USE \`${BENCH_DB}\``);
      const started = Date.now();
      for (const t of many.tables) await root.query(`UPDATE \`${t}\` SET customer_id = customer_id + 1 WHERE id <= 100`);
      const target = await readBinlogPosition(root);
      await sw.client.waitCaughtUp(pipe, target, 10 * 60_000);
      const ms = Date.now() - started;
      const changes = many.tables.length * 100;
      cdc = { changes, ms, changesPerSecond: (changes * 1000) / ms };
    } finally {
      await root.end();
    }
    const resyncStarted = Date.now();
    await sw.client.resync(pipe);
    await sw.client.waitForResync(pipe, 60 * 60_000);
    const resyncMs = Date.now() - resyncStarted;
    const resyncPhases = phasesOf(await sw.client.status(pipe), resyncStarted, resyncStarted + resyncMs);
    const ids = [pipeWorkflowId(pipe), resyncWorkflowId(pipe)];
    const sizes = await Promise.all(ids.map((id) => largestRun(sw.client.temporal, id)));
    sizes.forEach((s, i) =>
      ctx.out.progress(
        `many tables: ${ids[i]}: ${s.runs} runs, the largest input ${Math.round(s.largestInput / 1024)} KiB, the longest ${s.events} events: ${s.kinds}; ` +
          `scheduled → completed, summed over every run: ${s.times}`,
      ),
    );
    await sw.client.drop(pipe);
    return {
      tables: many.tables.length,
      rows: many.rows,
      createToRunningMs: load.endToEndMs,
      maxHistoryEvents: Math.max(...sizes.map((s) => s.events)),
      maxHistoryBytes: Math.max(...sizes.map((s) => s.bytes)),
      cdc,
      resyncMs,
      resyncPhases,
    };
  } finally {
    await sw.worker.stop();
    rmSync(sw.chdbPath, { recursive: true, force: true });
  }
}
