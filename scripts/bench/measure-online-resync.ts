import { positionReached } from '../../src/pipe/version.js';
import type { ChangeWriter, Committed } from './change-writer.js';
import type { BenchContext, SectionWorker } from './context.js';
import { count, perSecond, seconds } from './output.js';
import { formatCpu, type CpuUse } from './process-cpu.js';
import { statusTime } from './pipe-load.js';

export interface OnlineResyncResult {
  /** From the request until the pipe was Running again. */
  ms: number;
  rows: number;
  /** Longest time from a marker's commit until the pipe's committed position passed it, per table. */
  maxLagSeconds: { main: number; side: number };
  markers: number;
  changesPerSecond: number;
  /** Setup (shadows created), Snapshot (their load), Resync (carry and swap), as the pipe's status showed them. */
  phases: { setupMs: number; snapshotMs: number; swapMs: number };
  cpu: CpuUse;
}

const TICK_MS = 100;

/**
 * How often the pipe's position is read to time the markers (so a lag is at
 * most this much late). Each read is a query the worker and the server
 * answer during the resync it times: every 100 ms, they were a tenth of the
 * machine.
 */
const POLL_MS = 250;

/**
 * A whole-pipe online resync under a paced writer (`rate` changes/s on the
 * main table, in a transaction every 100 ms, and one row a second on a side
 * table). Once a second a transaction on each table is a marker; its lag is
 * the time until the pipe's committed position passes it. CDC never stops
 * during an online resync, so the lag stays near the sync interval.
 */
export async function measureOnlineResync(
  ctx: BenchContext,
  sw: SectionWorker,
  pipe: string,
  writers: { main: ChangeWriter; side: ChangeWriter },
  rate: number,
): Promise<OnlineResyncResult> {
  ctx.out.progress(`online resync under a writer of ${count(rate)} changes/s, a marker a second on the main and the side table`);
  const perTick = Math.max(3, Math.round((rate * TICK_MS) / 1000));
  const mix = { inserts: Math.round(perTick * 0.4), updates: Math.round(perTick * 0.4), deletes: 0 };
  mix.deletes = perTick - mix.inserts - mix.updates;
  const pending: (Committed & { table: 'main' | 'side' })[] = [];
  const lags = { main: [] as number[], side: [] as number[] };
  let writing = true;
  let changes = 0;
  const poller = (async () => {
    while (writing || pending.length > 0) {
      const position = (await sw.client.status(pipe)).cdc.position;
      const now = Date.now();
      for (let i = pending.length - 1; i >= 0; i--) {
        const m = pending[i]!;
        if (position && positionReached(position, m.position)) {
          lags[m.table].push((now - m.at) / 1000);
          pending.splice(i, 1);
        }
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  const writer = (async () => {
    const started = Date.now();
    for (let tick = 0; writing; tick++) {
      const due = started + tick * TICK_MS - Date.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      const marker = (tick + 1) % 10 === 0;
      if (marker) {
        const main = await writers.main.transaction(mix, true);
        const side = await writers.side.transaction({ inserts: 1, updates: 0, deletes: 0 }, true);
        pending.push({ ...main, table: 'main' }, { ...side, table: 'side' });
        changes += main.changes + side.changes;
      } else {
        changes += (await writers.main.transaction(mix)).changes;
      }
    }
    return Date.now() - started;
  })();
  // A few seconds of writing first, so the lag before the resync is known.
  await new Promise((r) => setTimeout(r, 3_000));
  const cpu = ctx.cpu(sw.worker);
  const requestedAt = Date.now();
  await sw.client.resync(pipe);
  await sw.client.waitForResync(pipe, 30 * 60_000);
  const ms = Date.now() - requestedAt;
  const cpuUse = cpu();
  const view = await sw.client.status(pipe);
  const snapshotAt = statusTime(view, 'Snapshot') ?? requestedAt;
  const resyncAt = statusTime(view, 'Resync') ?? snapshotAt;
  await new Promise((r) => setTimeout(r, 3_000));
  writing = false;
  const writtenMs = await writer;
  await Promise.race([poller, new Promise((r) => setTimeout(r, 120_000))]);
  const max = (a: number[]) => (a.length ? Math.max(...a) : NaN);
  const result: OnlineResyncResult = {
    ms,
    rows: Object.values(view.tables).reduce((n, t) => n + t.initialLoad.rowsLoaded, 0),
    maxLagSeconds: { main: max(lags.main), side: max(lags.side) },
    markers: lags.main.length + lags.side.length,
    changesPerSecond: (changes * 1000) / writtenMs,
    phases: { setupMs: snapshotAt - requestedAt, snapshotMs: resyncAt - snapshotAt, swapMs: requestedAt + ms - resyncAt },
    cpu: cpuUse,
  };
  ctx.out.result(
    `online resync: ${count(result.rows)} rows, request → Running ${seconds(ms)} ` +
      `(Setup ${seconds(result.phases.setupMs)}, Snapshot ${seconds(result.phases.snapshotMs)}, swap ${seconds(result.phases.swapMs)}) under a writer of ${perSecond(result.changesPerSecond)}; ` +
      `CPU ${formatCpu(cpuUse)}; ` +
      `CDC lag meanwhile max ${result.maxLagSeconds.main.toFixed(2)} s (main table), ${result.maxLagSeconds.side.toFixed(2)} s (side table), ${result.markers} markers`,
  );
  return result;
}
