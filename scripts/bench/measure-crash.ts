import type { BenchContext, SectionWorker } from './context.js';
import { count, seconds } from './output.js';
import { rowsRead } from './source-counters.js';

export interface CrashResult {
  tableRows: number;
  /** Rows read from the source when the worker was killed. */
  readAtKill: number;
  /** Rows read from the source by the whole resync. */
  readTotal: number;
  /** readTotal ÷ tableRows. */
  waste: number;
  /** 1 + threads × rowsPerPartition ÷ rows: what restarting every chunk in flight would cost at most. */
  bound: number;
  /** From the resync request until the pipe was Running again. */
  ms: number;
  /** The worker that took over. */
  worker: SectionWorker;
}

/**
 * A resync whose worker is SIGKILLed about half way through the load (by
 * rows read from the source), a new worker started right away. Counts every
 * row the source served meanwhile.
 */
export async function measureCrashWaste(
  ctx: BenchContext,
  sw: SectionWorker,
  pipe: string,
  tableRows: number,
  settings: { snapshotParallelThreads: number; snapshotRowsPerPartition: number },
): Promise<CrashResult> {
  ctx.out.progress(`resync of pipe ${pipe}, its worker SIGKILLed half way`);
  const before = await rowsRead(ctx.stack.root);
  const requestedAt = Date.now();
  await sw.client.resync(pipe);
  const deadline = Date.now() + 10 * 60_000;
  let readAtKill: number;
  while ((readAtKill = (await rowsRead(ctx.stack.root)) - before) < tableRows / 2) {
    if (Date.now() > deadline) throw new Error(`the resync read only ${readAtKill} rows in 10 minutes`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await sw.worker.kill();
  ctx.out.progress(`  worker ${sw.worker.pid} SIGKILLed after ${count(readAtKill)} rows read; a new worker takes over`);
  const next = ctx.restartWorker(sw);
  await next.client.waitForResync(pipe, 30 * 60_000);
  const ms = Date.now() - requestedAt;
  const readTotal = (await rowsRead(ctx.stack.root)) - before;
  const result: CrashResult = {
    tableRows,
    readAtKill,
    readTotal,
    waste: readTotal / tableRows,
    bound: 1 + (settings.snapshotParallelThreads * settings.snapshotRowsPerPartition) / tableRows,
    ms,
    worker: next,
  };
  ctx.out.result(
    `crash: killed after ${count(readAtKill)} rows; ${count(readTotal)} rows read for ${count(tableRows)} = ${result.waste.toFixed(3)}× ` +
      `(bound 1 + ${settings.snapshotParallelThreads} × ${count(settings.snapshotRowsPerPartition)} ÷ ${count(tableRows)} = ${result.bound.toFixed(3)}); ` +
      `resync took ${seconds(ms)}`,
  );
  return result;
}
