import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { KeyTuple, ReplicatedColumn, TableSchema } from '../pipe/table-schema.js';
import { qualifiedMysqlTable, quoteMysqlIdent } from './quote.js';
import { rangeWhere, toKeyValue } from './key-range.js';

export interface Page {
  rows: Record<string, unknown>[];
  /** The key of the page's last row: where the next page starts. */
  lastKey: KeyTuple | null;
}

/**
 * A column as the page query selects it. GEOMETRY as its stored bytes (SRID,
 * then WKB), which the binlog also carries, rather than mysql2's parsed
 * objects, which lose the geometry's type.
 */
export function selectColumn(col: ReplicatedColumn): string {
  const name = quoteMysqlIdent(col.name);
  return col.kind === 'geometry' ? `CAST(${name} AS BINARY) AS ${name}` : name;
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
  const cols = schema.columns.map(selectColumn).join(', ');
  const order = schema.key.map(quoteMysqlIdent).join(', ');
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT ${cols} FROM ${qualifiedMysqlTable(database, schema.table)} WHERE ${where.sql} ORDER BY ${order} LIMIT ${Number(limit)}`,
    where.params,
  );
  const last = rows[rows.length - 1];
  return { rows, lastKey: last ? schema.key.map((k) => toKeyValue(last[k])) : null };
}

/** InnoDB's estimate of a row's size in bytes (0 when it has none yet). */
export async function averageRowBytes(conn: Connection, database: string, table: string): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT AVG_ROW_LENGTH AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, table],
  );
  return Number(rows[0]?.n ?? 0);
}
