import type { BinlogPosition, PipeStatusView } from '../../src/pipe/status.js';
import type { ChangeWriter } from './change-writer.js';
import type { BenchContext, SectionWorker } from './context.js';
import { count, perSecond, seconds } from './output.js';
import { formatCpu, type CpuUse } from './process-cpu.js';
import { binlogBytes, bytesSent } from './source-counters.js';

export interface CdcBurstResult {
  changes: number;
  /** Time the source took to take the burst. */
  writeMs: number;
  /** From the burst's first statement until the pipe had applied its last change. */
  ms: number;
  changesPerSecond: number;
  /** Rows per transaction and their mix. */
  transaction: { inserts: number; updates: number; deletes: number };
  batches: number;
  /** Bytes the burst added to the binlog. */
  binlogBytes: number;
  /**
   * Bytes the source sent meanwhile (nearly all of it binlog to the pipe) ÷
   * binlogBytes: 1 when every event is read once, more when batches read
   * ahead and the next batch reads the same events again.
   */
  binlogReadFactor: number;
  peakRssMb: number;
  cpu: CpuUse;
  /** The same number of changes written while the pipe was paused, then applied from its resume: the pipe's own pace. */
  catchUp: CatchUpResult;
}

export interface CatchUpResult {
  changes: number;
  /** Time the source took to take them (nothing else running). */
  writeMs: number;
  /** From the resume until the pipe had applied the last change. */
  ms: number;
  changesPerSecond: number;
  cpu: CpuUse;
}

/** Per transaction: 10,000 row changes, 40% inserts, 40% updates, 20% deletes. */
const MIX = { inserts: 4_000, updates: 4_000, deletes: 2_000 };

/**
 * A burst of row changes on the source while the pipe runs CDC, as fast as
 * the source takes them, timed until the pipe's committed position (which
 * moves only after ClickHouse acknowledged the batch) passes the burst's end.
 */
export async function measureCdcBurst(
  ctx: BenchContext,
  sw: SectionWorker,
  pipe: string,
  writer: ChangeWriter,
  changesWanted: number,
): Promise<CdcBurstResult> {
  ctx.out.progress(`CDC burst of ${count(changesWanted)} changes on the source (once the worker had been quiet for ${seconds(await ctx.settle(sw.worker))})`);
  const root = ctx.stack.root;
  const batchesBefore = (await sw.client.status(pipe)).cdc.batches;
  const [binlogBefore, sentBefore] = [await binlogBytes(root), await bytesSent(root)];
  sw.worker.rss.startWindow();
  const cpu = ctx.cpu(sw.worker);
  const started = Date.now();
  const changes = await write(writer, changesWanted);
  const writeMs = Date.now() - started;
  ctx.out.progress(`  source took ${count(changes)} changes in ${seconds(writeMs)}; waiting for the pipe`);
  const view = await caughtUp(sw, pipe, await writer.position());
  const ms = appliedAt(view) - started;
  const cpuUse = cpu();
  const written = (await binlogBytes(root)) - binlogBefore;
  const sent = (await bytesSent(root)) - sentBefore;
  const result: Omit<CdcBurstResult, 'catchUp'> = {
    changes,
    writeMs,
    ms,
    changesPerSecond: (changes * 1000) / ms,
    transaction: MIX,
    batches: view.cdc.batches - batchesBefore,
    binlogBytes: written,
    binlogReadFactor: sent / written,
    peakRssMb: sw.worker.rss.peakInWindow(),
    cpu: cpuUse,
  };
  ctx.out.result(
    `CDC burst: ${count(changes)} changes (source took them in ${seconds(writeMs)}) applied in ${seconds(ms)} = ` +
      `${perSecond(result.changesPerSecond)} in ${result.batches} batches; binlog ${Math.round(written / 1e6)} MB, ` +
      `sent ${result.binlogReadFactor.toFixed(2)}× that; worker RSS peak ${Math.round(result.peakRssMb)} MB; CPU ${formatCpu(cpuUse)}`,
  );
  return { ...result, catchUp: await measureCatchUp(ctx, sw, pipe, writer, changesWanted) };
}

/**
 * The pipe paused, the changes written, the pipe resumed: how fast it applies
 * a backlog when the source is not writing beside it (on 2 cores, a live
 * burst's pace is mostly the source's: the pipe applies its last change
 * within about a sync interval of the source's last commit).
 */
async function measureCatchUp(ctx: BenchContext, sw: SectionWorker, pipe: string, writer: ChangeWriter, changesWanted: number): Promise<CatchUpResult> {
  ctx.out.progress(`CDC catch-up: the pipe paused, ${count(changesWanted)} changes on the source, then resumed`);
  await sw.client.pause(pipe);
  const paused = await sw.client.waitFor(pipe, 'Paused', 60_000);
  if (!paused.reached) throw new Error(`the pipe did not pause (it shows ${paused.view.status})`);
  const writeStarted = Date.now();
  const changes = await write(writer, changesWanted);
  const writeMs = Date.now() - writeStarted;
  const end = await writer.position();
  ctx.out.progress(`  source took them in ${seconds(writeMs)}; resuming once the worker had been quiet for ${seconds(await ctx.settle(sw.worker))}`);
  const cpu = ctx.cpu(sw.worker);
  const started = Date.now();
  await sw.client.resume(pipe);
  const ms = appliedAt(await caughtUp(sw, pipe, end)) - started;
  const result = { changes, writeMs, ms, changesPerSecond: (changes * 1000) / ms, cpu: cpu() };
  ctx.out.result(
    `CDC catch-up: ${count(changes)} changes (source took them in ${seconds(writeMs)} alone) applied in ${seconds(ms)} from the resume = ` +
      `${perSecond(result.changesPerSecond)}; CPU ${formatCpu(result.cpu)}`,
  );
  return result;
}

async function write(writer: ChangeWriter, changesWanted: number): Promise<number> {
  let changes = 0;
  while (changes < changesWanted) changes += (await writer.transaction(MIX)).changes;
  return changes;
}

const caughtUp = (sw: SectionWorker, pipe: string, end: BinlogPosition) => sw.client.waitCaughtUp(pipe, end, 30 * 60_000);

/** When the pipe committed the batch that reached the end, by its own clock (not when a poll saw it). */
const appliedAt = (view: PipeStatusView) => (view.cdc.lastBatchAt ? Date.parse(view.cdc.lastBatchAt) : Date.now());
