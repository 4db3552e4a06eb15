import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { KeyTuple, ReplicatedColumn, TableSchema } from '../pipe/table-schema.js';
import { qualifiedMysqlTable, quoteMysqlIdent } from './quote.js';
import { rangeWhere, toKeyValue } from './key-range.js';

export interface Page {
  /** Each row's values in the schema's column order (arrays: cheaper to parse than objects). */
  rows: unknown[][];
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
  const [result] = await conn.query<RowDataPacket[]>({
    sql: `SELECT ${cols} FROM ${qualifiedMysqlTable(database, schema.table)} WHERE ${where.sql} ORDER BY ${order} LIMIT ${Number(limit)}`,
    values: where.params,
    rowsAsArray: true,
  });
  const rows = result as unknown as unknown[][];
  const last = rows[rows.length - 1];
  const keyIndexes = schema.key.map((k) => schema.columns.findIndex((c) => c.name === k));
  return { rows, lastKey: last ? keyIndexes.map((i) => toKeyValue(last[i])) : null };
}

/** InnoDB's estimate of a row's size in bytes (0 when it has none yet). */
export async function averageRowBytes(conn: Connection, database: string, table: string): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT AVG_ROW_LENGTH AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, table],
  );
  return Number(rows[0]?.n ?? 0);
}
