import type { RowDataPacket } from 'mysql2/promise';
import { qualifiedChTable } from '../../src/clickhouse/quote.js';
import { qualifiedMysqlTable } from '../../src/mysql/quote.js';
import { queryEngine } from './chdb-job.js';
import type { BenchContext } from './context.js';
import { BENCH_DB } from './source-table.js';

export interface Consistency {
  same: boolean;
  source: { rows: number; idSum: string; amountSum: string };
  destination: { rows: number; idSum: string; amountSum: string };
}

/**
 * After the pipe's worker has stopped: does ClickHouse (FINAL) hold the
 * source's rows? Row count and two sums, cheap enough for millions of rows,
 * enough to catch a lost or doubled change.
 */
export async function checkConsistency(ctx: BenchContext, chdbPath: string, destDb: string, table: string): Promise<Consistency> {
  const [src] = await ctx.stack.root.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n, CAST(SUM(id) AS CHAR) AS ids, CAST(SUM(amount) AS CHAR) AS amounts FROM ${qualifiedMysqlTable(BENCH_DB, table)}`,
  );
  const { answer } = await queryEngine(
    {
      path: chdbPath,
      queries: [
        `SELECT count() AS n, toString(sum(id)) AS ids, toString(sum(amount)) AS amounts FROM ${qualifiedChTable(destDb, table)} FINAL`,
      ],
    },
    ctx.cleanup,
  );
  const d = answer[0]?.[0];
  const source = { rows: Number(src[0]?.n), idSum: String(src[0]?.ids ?? '0'), amountSum: String(src[0]?.amounts ?? '0') };
  const destination = { rows: Number(d?.n), idSum: String(d?.ids ?? '0'), amountSum: String(d?.amounts ?? '0') };
  // DECIMAL sums print with trailing zeros on one side only.
  const num = (s: string) => Number(s);
  const same =
    source.rows === destination.rows && source.idSum === destination.idSum && num(source.amountSum) === num(destination.amountSum);
  return { same, source, destination };
}
