import type { RowDataPacket } from 'mysql2/promise';
import { rootConnection } from '../stack/mariadb.js';
import { BENCH_DB, CREATE_COLUMNS, rowValues } from './source-table.js';

/** The tables of the many-tables section: `large` of `largeRows` rows, the rest of `smallRows`. */
export interface ManyTables {
  tables: string[];
  rows: number;
}

const name = (i: number) => `many_${String(i).padStart(4, '0')}`;

/**
 * Creates (or finds) `count` tables like the main one: a few large, most
 * small, as real databases have them. Generated without the binlog (no pipe
 * would read them from it).
 */
export async function ensureManyTables(port: number, count: number, large: number, largeRows: number, smallRows: number): Promise<ManyTables> {
  const conn = await rootConnection(port);
  const tables = Array.from({ length: count }, (_, i) => name(i));
  const rowsOf = (i: number) => (i < large ? largeRows : smallRows);
  try {
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${BENCH_DB}\``);
    await conn.query(`USE \`${BENCH_DB}\``);
    await conn.query('SET SESSION sql_log_bin = 0');
    const [have] = await conn.query<RowDataPacket[]>("SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE 'many\\_%'", [BENCH_DB]);
    const existing = new Set(have.map((r) => String(r.t)));
    for (const [i, table] of tables.entries()) {
      if (existing.has(table)) continue;
      await conn.query(`CREATE TABLE \`${table}\` (${CREATE_COLUMNS}) ENGINE=InnoDB`);
      await conn.query(`INSERT INTO \`${table}\` SELECT ${rowValues('seq')} FROM seq_1_to_${rowsOf(i)}`);
    }
    await conn.query(`ANALYZE TABLE ${tables.map((t) => `\`${t}\``).join(', ')}`);
    return { tables, rows: tables.reduce((n, _, i) => n + rowsOf(i), 0) };
  } finally {
    await conn.end();
  }
}
