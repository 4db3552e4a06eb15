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
  ctx.out.progress(`CDC burst of ${count(changesWanted)} changes on the source`);
  const root = ctx.stack.root;
  const batchesBefore = (await sw.client.status(pipe)).cdc.batches;
  const [binlogBefore, sentBefore] = [await binlogBytes(root), await bytesSent(root)];
  sw.worker.rss.startWindow();
  const cpu = ctx.cpu(sw.worker);
  const started = Date.now();
  let changes = 0;
  while (changes < changesWanted) {
    changes += (await writer.transaction(MIX)).changes;
  }
  const writeMs = Date.now() - started;
  ctx.out.progress(`  source took ${count(changes)} changes in ${seconds(writeMs)}; waiting for the pipe`);
  const end = await writer.position();
  const view = await sw.client.waitCaughtUp(pipe, end, 30 * 60_000);
  const ms = Date.now() - started;
  const cpuUse = cpu();
  const written = (await binlogBytes(root)) - binlogBefore;
  const sent = (await bytesSent(root)) - sentBefore;
  const result: CdcBurstResult = {
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
  return result;
}
