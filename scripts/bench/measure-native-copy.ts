import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { nativeCopy } from './chdb-job.js';
import type { BenchContext } from './context.js';
import { count, perSecond, seconds } from './output.js';
import { cpuMeter, formatCpu, type CpuUse } from './process-cpu.js';
import { BENCH_DB } from './source-table.js';

export interface NativeCopyResult {
  rows: number;
  ms: number;
  rowsPerSecond: number;
  /** Peak RSS of the engine's process during the copy, and of its anonymous memory alone. */
  peakRssMb: number;
  peakAnonRssMb: number;
  /** CPU seconds of the engine's process during the INSERT, and of MariaDB during the job. */
  cpu: CpuUse;
}

/** The fastest of these copies (the machine's speed drifts: a load is compared with the copies around it). */
export function fasterCopy(...copies: (NativeCopyResult | undefined)[]): NativeCopyResult | undefined {
  return copies.reduce<NativeCopyResult | undefined>((best, c) => (c && (!best || c.rowsPerSecond > best.rowsPerSecond) ? c : best), undefined);
}

/**
 * The yardstick of the initial load: the embedded engine copies the table
 * itself (INSERT … SELECT FROM mysql(…) into a MergeTree table), in a process
 * of its own while no worker runs.
 */
export async function measureNativeCopy(ctx: BenchContext, table: string | string[]): Promise<NativeCopyResult> {
  const tables = Array.isArray(table) ? table : [table];
  ctx.out.progress(`native copy of ${tables.length === 1 ? tables[0] : `${tables.length} tables`} by the embedded engine (INSERT … SELECT FROM mysql())`);
  const path = join(ctx.stack.workDir, 'chdb-native');
  rmSync(path, { recursive: true, force: true });
  try {
    const mariadbCpu = cpuMeter({ mariadb: ctx.stack.mariadbPid });
    const { answer, peakRssMb, peakAnonRssMb } = await nativeCopy(
      { path, host: '127.0.0.1', port: ctx.stack.mysqlPort, user: ctx.stack.source.user, database: BENCH_DB, tables },
      ctx.stack.source.password,
      ctx.cleanup,
    );
    const cpu = { engine: Math.round(answer.cpuSeconds * 10) / 10, ...mariadbCpu() };
    const rowsPerSecond = (answer.rows * 1000) / answer.ms;
    const result = { rows: answer.rows, ms: answer.ms, rowsPerSecond, peakRssMb, peakAnonRssMb, cpu };
    ctx.out.result(
      `native copy: ${count(result.rows)} rows in ${seconds(result.ms)} = ${perSecond(rowsPerSecond)} ` +
        `(engine process peak RSS ${Math.round(peakRssMb)} MB, anonymous ${Math.round(peakAnonRssMb)} MB; CPU ${formatCpu(cpu)})`,
    );
    return result;
  } finally {
    rmSync(path, { recursive: true, force: true });
  }
}
