import { rmSync } from 'node:fs';
import type { BenchContext } from './context.js';
import { measureInitialLoad } from './measure-initial-load.js';
import { count, perSecond } from './output.js';
import { ensureSourceTable, type GeneratedTable } from './source-table.js';

export interface RateLimitResult {
  rate: number;
  rows: number;
  table: GeneratedTable;
  /** Rows/s of the load phase (the pipe's stats). */
  achieved: number;
  /** |achieved − rate| ÷ rate. */
  error: number;
  /** The same from create until Completed. */
  endToEndAchieved: number;
}

/** Seconds a rate-limited load should last: long enough for start and end effects to be small. */
const TARGET_SECONDS = 25;

/**
 * Picks a table for a load of about 25 s at `rate`: one already generated if
 * its size gives 15–40 s, else a new one of rate × 25 rows.
 */
async function tableForRate(ctx: BenchContext, rate: number, existing: number[]): Promise<GeneratedTable> {
  const fits = existing
    .filter((n) => n >= rate * 15 && n <= rate * 40)
    .sort((a, b) => Math.abs(a - rate * TARGET_SECONDS) - Math.abs(b - rate * TARGET_SECONDS));
  const rows = fits[0] ?? rate * TARGET_SECONDS;
  return ensureSourceTable(ctx.stack.mysqlPort, rows, (m) => ctx.out.progress(m));
}

/** A load with settings.maxRowsPerSecond = rate: how close does it keep to the cap? */
export async function measureRateLimit(ctx: BenchContext, rate: number, existingSizes: number[]): Promise<RateLimitResult> {
  const generated = await tableForRate(ctx, rate, existingSizes);
  const { table, rows } = generated;
  const sw = await ctx.startWorker('rate');
  try {
    const r = await measureInitialLoad(ctx, sw, 'rate', table, {
      cdc: false,
      extra: { maxRowsPerSecond: rate },
      label: `rate limit ${count(rate)} rows/s`,
    });
    const result: RateLimitResult = {
      rate,
      rows,
      table: generated,
      achieved: r.rowsPerSecond,
      error: Math.abs(r.rowsPerSecond - rate) / rate,
      endToEndAchieved: r.endToEndRowsPerSecond,
    };
    ctx.out.result(
      `rate limit: cap ${perSecond(rate)}, achieved ${perSecond(result.achieved)} over the load phase ` +
        `(${perSecond(result.endToEndAchieved)} create → Completed): error ${(result.error * 100).toFixed(1)}%`,
    );
    return result;
  } finally {
    await sw.worker.stop();
    rmSync(sw.chdbPath, { recursive: true, force: true });
  }
}
