import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { KeyTuple, TableSchema } from '../pipe/table-schema.js';
import { qualifiedMysqlTable, quoteMysqlIdent } from './quote.js';
import { rangeWhere, toKeyValue } from './key-range.js';

export interface Page {
  rows: Record<string, unknown>[];
  /** The key of the page's last row: where the next page starts. */
  lastKey: KeyTuple | null;
}

/**
 * Reads the next page of a chunk by keyset pagination: rows with
 * after < key <= upper, in key order. Each page is one index range scan, so a
 * resumed chunk starts at its last written key, not at its beginning.
 */
export async function readPage(
  conn: Connection,
  database: string,
  schema: TableSchema,
  after: KeyTuple | null,
  upper: KeyTuple | null,
  limit: number,
): Promise<Page> {
  const where = rangeWhere(schema.key, after, upper);
  const cols = schema.columns.map((c) => quoteMysqlIdent(c.name)).join(', ');
  const order = schema.key.map(quoteMysqlIdent).join(', ');
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT ${cols} FROM ${qualifiedMysqlTable(database, schema.table)} WHERE ${where.sql} ORDER BY ${order} LIMIT ${Number(limit)}`,
    where.params,
  );
  const last = rows[rows.length - 1];
  return { rows, lastKey: last ? schema.key.map((k) => toKeyValue(last[k])) : null };
}
