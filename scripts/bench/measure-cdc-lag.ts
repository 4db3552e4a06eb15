import { positionReached } from '../../src/pipe/version.js';
import type { ChangeWriter, Committed } from './change-writer.js';
import type { BenchContext, SectionWorker } from './context.js';
import { count, perSecond } from './output.js';
import { formatCpu, type CpuUse } from './process-cpu.js';

export interface CdcLagResult {
  /** Achieved changes per second of the paced writer. */
  changesPerSecond: number;
  changes: number;
  markers: number;
  p50Seconds: number;
  maxSeconds: number;
  /** While the writer wrote and the pipe caught up. */
  cpu: CpuUse;
}

const TICK_MS = 100;
/** Every this many ticks (once a second) a transaction's commit is a marker. */
const MARKER_EVERY = 10;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/**
 * A paced writer (`rate` changes/s in a transaction every 100 ms) for
 * `durationS` seconds. Once a second its commit time and binlog position are
 * a marker; a marker is visible when the pipe's committed position passes
 * it (the position moves only after ClickHouse acknowledged the batch; the
 * pipe is polled every 100 ms, so lags are at most that much late).
 */
export async function measureCdcLag(
  ctx: BenchContext,
  sw: SectionWorker,
  pipe: string,
  writer: ChangeWriter,
  rate: number,
  durationS: number,
): Promise<CdcLagResult> {
  ctx.out.progress(`CDC lag: ${count(rate)} changes/s for ${durationS} s, a marker every second`);
  const perTick = Math.max(3, Math.round((rate * TICK_MS) / 1000));
  const mix = { inserts: Math.round(perTick * 0.4), updates: Math.round(perTick * 0.4), deletes: 0 };
  mix.deletes = perTick - mix.inserts - mix.updates;

  const pending: Committed[] = [];
  const lags: number[] = [];
  let writing = true;
  let pollError: unknown = null;
  let writerEnd = 0;
  const poller = (async () => {
    while (writing || pending.length > 0) {
      try {
        const position = (await sw.client.status(pipe)).cdc.position;
        const now = Date.now();
        while (position && pending[0] && positionReached(position, pending[0].position)) {
          lags.push((now - pending.shift()!.at) / 1000);
        }
      } catch (err) {
        pollError = err;
        return;
      }
      if (!writing && Date.now() - writerEnd > 120_000) {
        pollError = new Error(`${pending.length} markers still not applied 2 minutes after the writer stopped`);
        return;
      }
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
  })();

  const cpu = ctx.cpu(sw.worker);
  const started = Date.now();
  const ticks = Math.round((durationS * 1000) / TICK_MS);
  let changes = 0;
  try {
    for (let tick = 0; tick < ticks && !pollError; tick++) {
      // Paced against the schedule, so a slow transaction does not slow the whole run.
      const due = started + tick * TICK_MS - Date.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      if ((tick + 1) % MARKER_EVERY === 0) {
        const c = await writer.transaction(mix, true);
        changes += c.changes;
        pending.push(c);
      } else {
        changes += (await writer.transaction(mix)).changes;
      }
    }
  } finally {
    writerEnd = Date.now();
    writing = false;
  }
  const elapsed = writerEnd - started;
  await poller;
  const cpuUse = cpu();
  if (pollError) throw pollError;
  const sorted = [...lags].sort((a, b) => a - b);
  const result: CdcLagResult = {
    changesPerSecond: (changes * 1000) / elapsed,
    changes,
    markers: lags.length,
    p50Seconds: percentile(sorted, 0.5),
    maxSeconds: sorted[sorted.length - 1] ?? NaN,
    cpu: cpuUse,
  };
  ctx.out.result(
    `CDC lag: writer ${perSecond(result.changesPerSecond)} (${count(changes)} changes); ${result.markers} markers: ` +
      `p50 ${result.p50Seconds.toFixed(2)} s, max ${result.maxSeconds.toFixed(2)} s; CPU ${formatCpu(cpuUse)}`,
  );
  return result;
}
