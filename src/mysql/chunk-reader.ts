import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Chunk } from '../pipe/chunk.js';
import type { KeyTuple, ReplicatedColumn, TableSchema } from '../pipe/table-schema.js';
import { toKeyValue } from '../pipe/key-range.js';
import { qualifiedMysqlTable, quoteMysqlIdent } from './quote.js';
import { rangeWhere } from './key-range.js';
import { queryRowPackets, type RowPacketDecoder } from './row-packets.js';

export interface Page {
  /** Each row's values in the schema's column order (arrays: cheaper to parse than objects); empty when a decoder took them. */
  rows: unknown[][];
  /** Rows read. */
  count: number;
  /** The key of the page's last row: where the next page starts. */
  lastKey: KeyTuple | null;
}

/** Where a chunk's reading stands: the last key written, and the rows per page asked for. */
export interface ChunkCursor {
  after: KeyTuple | null;
  pageRows: number;
}

/**
 * A column as the page query selects it, so that it reads exactly what the
 * binlog carries: GEOMETRY as its stored bytes (SRID, then WKB) rather than
 * mysql2's parsed objects, which lose the geometry's type; FLOAT as the
 * DOUBLE it converts to exactly, since the text protocol rounds FLOAT to 6
 * significant digits (16777216 would arrive as 16777200).
 */
export function selectColumn(col: ReplicatedColumn): string {
  const name = quoteMysqlIdent(col.name);
  if (col.kind === 'geometry') return `CAST(${name} AS BINARY) AS ${name}`;
  if (col.kind === 'float' && /^float\b/.test(col.sourceType)) return `CAST(${name} AS DOUBLE) AS ${name}`;
  return name;
}

/** ORDER BY the key columns themselves (qualified: a CAST in the select list must not hide the index). */
export function keyOrder(table: string, key: string[]): string {
  return key.map((k) => `${table}.${quoteMysqlIdent(k)}`).join(', ');
}

/**
 * Reads the next page of a chunk by keyset pagination: rows with
 * after < key <= upper, in key order. Each page is one index range scan, so a
 * resumed chunk starts at its last written key, not at its beginning. A
 * `decoder` may take the rows as their packets arrive (see row-packets.ts).
 */
export async function readPage(
  conn: Connection,
  database: string,
  schema: TableSchema,
  after: KeyTuple | null,
  upper: KeyTuple | null,
  limit: number,
  decoder?: RowPacketDecoder,
): Promise<Page> {
  const where = rangeWhere(schema.key, after, upper);
  const cols = schema.columns.map(selectColumn).join(', ');
  const table = qualifiedMysqlTable(database, schema.table);
  const sql = `SELECT ${cols} FROM ${table} WHERE ${where.sql} ORDER BY ${keyOrder(table, schema.key)} LIMIT ${Number(limit)}`;
  const keyIndexes = schema.key.map((k) => schema.columns.findIndex((c) => c.name === k));
  const { rows, count, lastValues } = await queryRowPackets(conn, sql, where.params, keyIndexes, decoder);
  return { rows, count, lastKey: lastValues?.map(toKeyValue) ?? null };
}

/**
 * A chunk's pages from `cursor.after` on, each asking for `cursor.pageRows`
 * rows (and read by a decoder from `decoder`, if given). The consumer moves
 * `cursor.after` to a page's last key once it has written the page (and may
 * change `pageRows`); the next page starts there.
 */
export async function* chunkPages(
  conn: Connection,
  database: string,
  schema: TableSchema,
  chunk: Chunk,
  cursor: ChunkCursor,
  decoder?: () => RowPacketDecoder,
): AsyncGenerator<Page> {
  for (;;) {
    const asked = cursor.pageRows;
    const page = await readPage(conn, database, schema, cursor.after, chunk.upper, asked, decoder?.());
    if (page.count === 0) return;
    yield page;
    // A short page is the chunk's last.
    if (page.count < asked) return;
  }
}

/** InnoDB's estimate of a row's size in bytes (0 when it has none yet). */
export async function averageRowBytes(conn: Connection, database: string, table: string): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT AVG_ROW_LENGTH AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, table],
  );
  return Number(rows[0]?.n ?? 0);
}
