import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { BinlogPosition } from '../pipe/status.js';
import type { KeyTuple, TableSchema } from '../pipe/table-schema.js';
import { comparedColumns, partChecksums, type ChecksumRow, type ChecksumScope, type PartChecksum, type ValidationPart } from '../pipe/validation.js';
import { toKeyValue } from '../pipe/key-range.js';
import { qualifiedMysqlTable } from './quote.js';
import { rangeWhere } from './key-range.js';
import { readBinlogPosition } from './binlog-position.js';
import { selectColumn } from './chunk-reader.js';
import { keyColumns, sourceChecksumSql, type ChecksumSql } from './row-text.js';

/**
 * The source's side of a validation: each row's canonical text (row-text.ts)
 * hashed; a part's checksum sums its rows' hashes (see PartChecksum), so the
 * order rows are read in does not matter. Everything is computed by MySQL in
 * SQL: only counts, sums and the keys that differ leave the server.
 */

/** The WHERE of a part: its key range (bound values), or its bucket. */
function partWhere(schema: TableSchema, part: ValidationPart, sql: ChecksumSql): { sql: string; params: unknown[] } {
  if ('range' in part) return rangeWhere(schema.key, part.range.lower, part.range.upper);
  return { sql: `${sql.bucket(part.buckets)} = ${Number(part.bucket)}`, params: [] };
}

/**
 * Runs `body` inside a consistent snapshot (a read-only transaction) and
 * returns the binlog position the snapshot stands at: MariaDB reports it
 * exactly; elsewhere the binlog's end just after the snapshot began (a
 * commit in between may show as a difference, which the check again clears).
 */
export async function inConsistentSnapshot<T>(
  conn: Connection,
  body: (position: BinlogPosition, exact: boolean) => Promise<T>,
): Promise<{ position: BinlogPosition; value: T }> {
  await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  try {
    const [status] = await conn.query<RowDataPacket[]>("SHOW STATUS LIKE 'binlog_snapshot_%'");
    const get = (name: string) => status.find((r) => String(r.Variable_name).toLowerCase() === name)?.Value as string | undefined;
    const file = get('binlog_snapshot_file');
    const pos = get('binlog_snapshot_position');
    const exact = Boolean(file && pos);
    const position = exact ? { file: file!, pos: Number(pos) } : await readBinlogPosition(conn);
    return { position, value: await body(position, exact) };
  } finally {
    await conn.query('COMMIT');
  }
}

/**
 * Count and checksum of a part's rows; for a table compared by buckets,
 * every bucket at once (one scan), in bucket order.
 */
export async function sourceChecksums(conn: Connection, database: string, schema: TableSchema, part: ChecksumScope): Promise<PartChecksum[]> {
  const sql = await sourceChecksumSql(conn, database, schema);
  const table = qualifiedMysqlTable(database, schema.table);
  const where = 'range' in part ? rangeWhere(schema.key, part.range.lower, part.range.upper) : { sql: '1', params: [] };
  const bucket = 'range' in part ? '0' : sql.bucket(part.buckets);
  // The LIMIT makes the derived table materialized: merged into the outer
  // query, MySQL would compute the row's text once for each sum.
  const [rows] = await conn.query<(RowDataPacket & ChecksumRow)[]>(
    `SELECT b, COUNT(*) AS n, CAST(SUM(h) AS CHAR) AS s, CAST(MOD(SUM(h * h), 18446744073709551616) AS CHAR) AS q ` +
      `FROM (SELECT ${bucket} AS b, ${sql.rowHash} AS h FROM ${table} WHERE ${where.sql} LIMIT 18446744073709551615) AS part_rows GROUP BY b`,
    where.params,
  );
  return partChecksums(part, rows);
}

/** A key's row, by key identity: its key values and its row hash. */
export interface KeyedHash {
  key: KeyTuple;
  hash: string;
}

/** Every row of a part: key identity → key values and row hash. */
export async function sourceKeyHashes(conn: Connection, database: string, schema: TableSchema, part: ValidationPart): Promise<Map<string, KeyedHash>> {
  const sql = await sourceChecksumSql(conn, database, schema);
  const where = partWhere(schema, part, sql);
  const keys = keyColumns(schema).map(selectColumn).join(', ');
  const [rows] = await conn.query({
    sql: `SELECT ${sql.keyId} AS k, CAST(${sql.rowHash} AS CHAR) AS h, ${keys} FROM ${qualifiedMysqlTable(database, schema.table)} WHERE ${where.sql}`,
    values: where.params,
    rowsAsArray: true,
  });
  const out = new Map<string, KeyedHash>();
  for (const r of rows as unknown as unknown[][]) out.set(String(r[0]), { hash: String(r[1]), key: r.slice(2).map(toKeyValue) });
  return out;
}

/** Each column's value hash for these keys of a part (key identity → hashes in `columns` order). */
export async function sourceColumnHashes(
  conn: Connection,
  database: string,
  schema: TableSchema,
  part: ValidationPart,
  keyIds: string[],
): Promise<Map<string, string[]>> {
  if (keyIds.length === 0) return new Map();
  const sql = await sourceChecksumSql(conn, database, schema);
  const where = partWhere(schema, part, sql);
  const cols = comparedColumns(schema).map((c) => sql.columnHash(c)).join(', ');
  const [rows] = await conn.query({
    sql: `SELECT ${sql.keyId} AS k, ${cols} FROM ${qualifiedMysqlTable(database, schema.table)} WHERE ${where.sql} AND ${sql.keyId} IN (?)`,
    values: [...where.params, keyIds],
    rowsAsArray: true,
  });
  return new Map((rows as unknown as unknown[][]).map((r) => [String(r[0]), r.slice(1).map(String)]));
}

/**
 * The rows of a part with these key identities (all its rows for null), by
 * column name as the load reads them; a column dropped at the source is
 * absent (the encoder writes NULL or zero for it).
 */
export async function sourceRowsByKeyId(
  conn: Connection,
  database: string,
  schema: TableSchema,
  part: ValidationPart,
  keyIds: string[] | null,
): Promise<{ keyId: string; row: Record<string, unknown> }[]> {
  if (keyIds?.length === 0) return [];
  const sql = await sourceChecksumSql(conn, database, schema);
  const where = partWhere(schema, part, sql);
  const cols = comparedColumns(schema);
  const only = keyIds ? ` AND ${sql.keyId} IN (?)` : '';
  const [rows] = await conn.query({
    sql: `SELECT ${sql.keyId} AS k, ${cols.map(selectColumn).join(', ')} FROM ${qualifiedMysqlTable(database, schema.table)} WHERE ${where.sql}${only}`,
    values: keyIds ? [...where.params, keyIds] : where.params,
    rowsAsArray: true,
  });
  return (rows as unknown as unknown[][]).map((r) => ({ keyId: String(r[0]), row: Object.fromEntries(cols.map((c, i) => [c.name, r[i + 1]])) }));
}
