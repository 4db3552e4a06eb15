import { createHash } from 'node:crypto';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Destination } from '../../src/clickhouse/destination.js';
import { quoteChIdent, qualifiedChTable } from '../../src/clickhouse/quote.js';
import { qualifiedMysqlTable, quoteMysqlIdent } from '../../src/mysql/quote.js';

/** Every column of every row as text (NULL as null), in key order. */
export type TableImage = (string | null)[][];

export async function sourceImage(root: Connection, db: string, table: string, cols: string[], key: string[]): Promise<TableImage> {
  const [rows] = await root.query<RowDataPacket[]>({
    sql: `SELECT ${cols.map((c) => `CAST(${quoteMysqlIdent(c)} AS CHAR)`).join(', ')} FROM ${qualifiedMysqlTable(db, table)} ORDER BY ${key.map(quoteMysqlIdent).join(', ')}`,
    rowsAsArray: true,
  });
  return (rows as unknown as unknown[][]).map((r) => r.map((v) => (v === null ? null : String(v))));
}

/** The destination as FINAL sees it (the source's current state). */
export async function destinationImage(dest: Destination, db: string, table: string, cols: string[], key: string[]): Promise<TableImage> {
  const rows = await dest.query<Record<string, unknown>>(
    `SELECT ${cols.map((c, i) => `${quoteChIdent(c)} AS __col${i}`).join(', ')} FROM ${qualifiedChTable(db, table)} FINAL ` +
      `ORDER BY ${key.map(quoteChIdent).join(', ')} SETTINGS output_format_decimal_trailing_zeros = 1`,
  );
  return rows.map((r) => cols.map((_, i) => (r[`__col${i}`] === null ? null : String(r[`__col${i}`]))));
}

/** A checksum over all columns of all rows. */
export function checksum(image: TableImage): string {
  const h = createHash('sha256');
  for (const row of image) h.update(JSON.stringify(row)).update('\n');
  return h.digest('hex');
}

/** Every row stored, without FINAL: duplicates and soft-deleted rows count. */
export async function physicalRows(dest: Destination, db: string, table: string): Promise<number> {
  const [r] = await dest.query<{ n: string }>(`SELECT count() AS n FROM ${qualifiedChTable(db, table)}`);
  return Number(r?.n ?? 0);
}

/** The first row that differs between two images, for a readable failure. */
export function firstDifference(expected: TableImage, actual: TableImage): string | null {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = JSON.stringify(expected[i] ?? null);
    const a = JSON.stringify(actual[i] ?? null);
    if (e !== a) return `row ${i}: source ${e}, destination ${a}`;
  }
  return null;
}
