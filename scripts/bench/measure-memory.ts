import { rmSync } from 'node:fs';
import { STREAM, type BenchContext } from './context.js';
import { measureInitialLoad } from './measure-initial-load.js';
import { ensureSourceTable, type GeneratedTable } from './source-table.js';

export interface MemoryResult {
  /** Table rows → the worker's peak RSS (MB) during its initial load. */
  peakRssBySize: Record<string, number>;
  /** Table rows → the peak of anonymous memory alone (MB). */
  peakAnonRssBySize: Record<string, number>;
  /** Table rows → the worker's RSS (MB) before the load, idle after its start. */
  rssBeforeBySize: Record<string, number>;
  /** Peak of the largest table ÷ peak of the smallest. */
  growth: number;
  /** Table rows → rows/s of the load phase (does throughput hold with size?). */
  rowsPerSecondBySize: Record<string, number>;
  tables: GeneratedTable[];
}

/**
 * Initial loads of tables of different sizes, each by a fresh worker on a
 * fresh engine, its RSS sampled during the load. Memory that grows with the
 * table means rows are kept somewhere.
 */
export async function measureMemory(ctx: BenchContext, sizes: number[]): Promise<MemoryResult> {
  const peakRssBySize: Record<string, number> = {};
  const rowsPerSecondBySize: Record<string, number> = {};
  const rssBeforeBySize: Record<string, number> = {};
  const peakAnonRssBySize: Record<string, number> = {};
  const tables: GeneratedTable[] = [];
  for (const size of [...sizes].sort((a, b) => a - b)) {
    const generated = await ensureSourceTable(ctx.stack.mysqlPort, size, (m) => ctx.out.progress(m));
    tables.push(generated);
    const { table } = generated;
    const section = `mem-${size}`;
    const sw = await ctx.startWorker(section);
    try {
      const r = await measureInitialLoad(ctx, sw, `mem-${size}`, table, { cdc: false, extra: STREAM, label: `memory, ${size.toLocaleString('en-US')} rows` });
      peakRssBySize[String(size)] = Math.round(r.peakRssMb);
      rssBeforeBySize[String(size)] = Math.round(r.rssBeforeMb);
      peakAnonRssBySize[String(size)] = Math.round(r.peakAnonRssMb);
      rowsPerSecondBySize[String(size)] = Math.round(r.rowsPerSecond);
    } finally {
      await sw.worker.stop();
      rmSync(sw.chdbPath, { recursive: true, force: true });
    }
  }
  const [smallest, largest] = [Math.min(...sizes), Math.max(...sizes)];
  const growth = peakRssBySize[String(largest)]! / peakRssBySize[String(smallest)]!;
  // A table with fewer chunks than lanes has fewer pages in flight: its peak is lower for that reason alone.
  const { snapshotParallelThreads: lanes, snapshotRowsPerPartition: perChunk } = ctx.pipeConfig('sizes', 't', { cdc: false }).settings;
  const partial = smallest < lanes * perChunk ? ` (${smallest.toLocaleString('en-US')} rows fill fewer than ${lanes} chunks: not a fair comparison)` : '';
  ctx.out.result(
    `memory: peak RSS ${sizes.map((s) => `${s.toLocaleString('en-US')} rows ${peakRssBySize[String(s)]} MB`).join(', ')}; ` +
      `${largest.toLocaleString('en-US')} ÷ ${smallest.toLocaleString('en-US')} rows: ×${growth.toFixed(2)}${partial}`,
  );
  return { peakRssBySize, peakAnonRssBySize, rssBeforeBySize, growth, rowsPerSecondBySize, tables };
}
