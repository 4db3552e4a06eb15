import type { RowDataPacket } from 'mysql2/promise';
import { rootConnection } from '../stack/mariadb.js';

/** The benchmark's source database on its own MariaDB. */
export const BENCH_DB = 'bench';

/** A table of `rows` rows that stays as generated: one per size, so a size asked for twice is generated once. */
export const tableForSize = (rows: number) => `orders_${rows}`;

/** The table the CDC sections change, so it is never reused as a table of its original size. */
export const MAIN_TABLE = 'orders_main';

/** A small second table in the main pipe (the online resync's lag is measured on it too). */
export const SIDE_TABLE = 'orders_side';
export const SIDE_ROWS = 10_000;

/**
 * A mix of the column types real tables have: integers, a DECIMAL, a short
 * string, a 100–200 byte TEXT, microsecond DATETIMEs and a nullable column
 * (a third of its values NULL).
 */
export const CREATE_COLUMNS = `
  id BIGINT NOT NULL PRIMARY KEY,
  customer_id INT NOT NULL,
  amount DECIMAL(12,2) NOT NULL,
  status VARCHAR(64) NOT NULL,
  note TEXT NOT NULL,
  created_at DATETIME(6) NOT NULL,
  shipped_at DATETIME(6) NULL`;

/** A row's values from one integer `n` (a sequence number), for INSERT … SELECT. */
export function rowValues(n: string, id = n): string {
  return [
    id,
    `${n} % 100000`,
    `(${n} * 7919 % 10000000) / 100`,
    `ELT(1 + ${n} % 5, 'pending', 'paid', 'shipped', 'delivered', 'refunded')`,
    // 100–200 characters, one MD5 per row keeps generation cheap.
    `LEFT(CONCAT('order ', ${n}, ' — ', REPEAT(MD5(${n}), 6)), 100 + ${n} % 101)`,
    `TIMESTAMP'2024-01-01 00:00:00' + INTERVAL (${n} * 7000123) MICROSECOND`,
    `IF(${n} % 3 = 0, NULL, TIMESTAMP'2024-01-03 00:00:00' + INTERVAL (${n} * 7000123) MICROSECOND)`,
  ].join(', ');
}

export interface GeneratedTable {
  table: string;
  rows: number;
  /** False when a table of that size was already there. */
  generated: boolean;
  ms: number;
}

/**
 * Creates (or finds) a table of `rows` rows with MariaDB's sequence engine,
 * in steps of 500,000 rows. The binlog is off for this session:
 * the rows exist before any pipe is created, so no pipe would read them from
 * the binlog, and writing them there would double the time.
 */
export async function ensureSourceTable(
  port: number,
  rows: number,
  progress: (m: string) => void,
  table = tableForSize(rows),
): Promise<GeneratedTable> {
  const started = Date.now();
  const conn = await rootConnection(port);
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${BENCH_DB}\``);
    await conn.query(`USE \`${BENCH_DB}\``);
    const [existing] = await conn.query<RowDataPacket[]>(
      'SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
      [BENCH_DB, table],
    );
    if (existing.length > 0) return { table, rows, generated: false, ms: 0 };
    await conn.query('SET SESSION sql_log_bin = 0');
    await conn.query(`CREATE TABLE \`${table}\` (${CREATE_COLUMNS}) ENGINE=InnoDB`);
    const step = 500_000;
    for (let from = 1; from <= rows; from += step) {
      const to = Math.min(rows, from + step - 1);
      await conn.query(`INSERT INTO \`${table}\` SELECT ${rowValues('seq')} FROM seq_${from}_to_${to}`);
      if (rows > step) progress(`  ${table}: ${to.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} rows`);
    }
    // Fresh statistics: the chunk planner reads the row estimate.
    await conn.query(`ANALYZE TABLE \`${table}\``);
    return { table, rows, generated: true, ms: Date.now() - started };
  } finally {
    await conn.end();
  }
}

/** Starts every run from an empty source: no tables, and a binlog with nothing in it. */
export async function resetSource(port: number): Promise<void> {
  const conn = await rootConnection(port);
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${BENCH_DB}\``);
    await conn.query('RESET MASTER');
  } finally {
    await conn.end();
  }
}
