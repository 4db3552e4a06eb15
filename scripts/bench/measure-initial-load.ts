import type { PipeSettings } from '../../src/pipe/config.js';
import type { BenchContext, SectionWorker } from './context.js';
import { count, perSecond, seconds } from './output.js';
import { formatCpu, type CpuUse } from './process-cpu.js';
import { createAndLoad, type LoadTiming } from './pipe-load.js';

export interface InitialLoadResult {
  pipe: string;
  table: string;
  rows: number;
  load: LoadTiming;
  /** Rows per second of the load phase (the pipe's own stats). */
  rowsPerSecond: number;
  /** Rows per second from create until Running (Setup included). */
  endToEndRowsPerSecond: number;
  /** The worker's RSS when the pipe was created (started, workflow bundle built, idle), and its anonymous part. */
  rssBeforeMb: number;
  anonBeforeMb: number;
  /** The worker's peak RSS during the load (sampled every 200 ms). */
  peakRssMb: number;
  /** The same for anonymous memory alone (no library or file pages). */
  peakAnonRssMb: number;
  /** The kernel's high water mark of the worker's whole life (its start included). */
  highWaterMarkMb: number;
  /** The worker's RSS once the load was done. */
  rssAfterMb: number;
  /** CPU seconds per process from create until the load was done. */
  cpu: CpuUse;
  /** The pipe's settings, defaults filled in. */
  settings: PipeSettings;
}

/** Loads `table` with a new pipe on a fresh worker and engine, timed by the pipe's own stats. */
export async function measureInitialLoad(
  ctx: BenchContext,
  sw: SectionWorker,
  pipe: string,
  table: string,
  opts: { cdc: boolean; extra?: Record<string, unknown>; more?: string[]; label: string },
): Promise<InitialLoadResult> {
  const config = ctx.pipeConfig(pipe, table, opts);
  const { settings } = config;
  ctx.out.progress(
    `${opts.label}: pipe ${pipe} on ${table} (${settings.snapshotParallelThreads} threads × ${count(settings.snapshotRowsPerPartition)} rows per chunk)`,
  );
  const rssBeforeMb = sw.worker.rss.currentMb();
  const anonBeforeMb = sw.worker.rss.currentAnonMb();
  sw.worker.rss.startWindow();
  const cpu = ctx.cpu(sw.worker);
  const load = await createAndLoad(sw.client, config, 30 * 60_000, (m) => ctx.out.progress(m));
  const cpuUse = cpu();
  const result: InitialLoadResult = {
    pipe,
    table,
    rows: load.rows,
    load,
    rowsPerSecond: (load.rows * 1000) / load.loadMs,
    endToEndRowsPerSecond: (load.rows * 1000) / load.endToEndMs,
    rssBeforeMb,
    anonBeforeMb,
    peakRssMb: sw.worker.rss.peakInWindow(),
    peakAnonRssMb: sw.worker.rss.peakAnonInWindow(),
    highWaterMarkMb: sw.worker.rss.highWaterMark(),
    rssAfterMb: sw.worker.rss.currentMb(),
    cpu: cpuUse,
    settings,
  };
  ctx.out.result(
    `${opts.label}: ${count(result.rows)} rows, load phase ${seconds(load.loadMs)} = ${perSecond(result.rowsPerSecond)}; ` +
      `create → ${config.cdc ? 'Running' : 'Completed'} ${seconds(load.endToEndMs)} = ${perSecond(result.endToEndRowsPerSecond)}; ` +
      `worker RSS ${Math.round(rssBeforeMb)} MB before (anonymous ${Math.round(anonBeforeMb)} MB), peak ${Math.round(result.peakRssMb)} MB during the load ` +
      `(anonymous ${Math.round(result.peakAnonRssMb)} MB; high water mark ${Math.round(result.highWaterMarkMb)} MB); CPU ${formatCpu(cpuUse)}`,
  );
  return result;
}
