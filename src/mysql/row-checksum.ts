import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { BinlogPosition } from '../pipe/status.js';
import { destinationNullable, type KeyTuple, type ReplicatedColumn, type TableSchema } from '../pipe/table-schema.js';
import { comparedColumns, type ChecksumScope, type PartChecksum, type ValidationPart } from '../pipe/validation.js';
import { toKeyValue } from '../pipe/key-range.js';
import { qualifiedMysqlTable, quoteMysqlIdent } from './quote.js';
import { rangeWhere } from './key-range.js';
import { readBinlogPosition } from './binlog-position.js';
import { selectColumn } from './chunk-reader.js';

/**
 * The source's side of a validation: each row's canonical text (one text
 * per value that ClickHouse's side, clickhouse/row-checksum.ts, writes the
 * same way from the stored value), hashed with MD5; a part's checksum is
 * the XOR of its rows' 64-bit hashes, so the order rows are read in does
 * not matter. Everything is computed by MySQL in SQL: only counts, hashes
 * and the keys that differ leave the server.
 */

/** The text of the zero date the destination holds in a NOT NULL column. */
const ZERO_DATETIME = '1970-01-01 00:00:00';

/** A float's exact value as `sign exponent:mantissa` (both integers), computed alike by MySQL and ClickHouse. */
function floatCanonical(x: string): string {
  const a = `ABS(${x})`;
  // Subnormals are scaled up first (exactly: a power of two), so POW stays in range.
  const tiny = `(${a} < POW(2, -900))`;
  const s = `(${a} * IF(${tiny}, POW(2, 600), 1))`;
  const e0 = `LEAST(FLOOR(LOG2(${s})), 1023)`;
  const m0 = `(${s} / POW(2, ${e0}))`;
  // LOG2 may be one off near powers of two: corrected so that 1 ≤ mantissa < 2.
  const e = `(${e0} + (${m0} >= 2) - (${m0} < 1))`;
  return (
    `CASE WHEN ${x} IS NULL THEN NULL WHEN ${x} = 0 THEN '0' ELSE CONCAT(IF(${x} < 0, '-', ''), ` +
    `CAST(${e} - IF(${tiny}, 600, 0) AS SIGNED), ':', CAST(${s} / POW(2, ${e}) * 4503599627370496 AS UNSIGNED)) END`
  );
}

/** Digits after the point of a ClickHouse DateTime64(p, …). */
export function datetimePrecision(col: ReplicatedColumn): number {
  return Number(/^DateTime64\((\d+)/.exec(col.clickhouseType)?.[1] ?? 0);
}

/** A value as the destination holds it, as text: the README's type table, in SQL. */
function canonical(schema: TableSchema, col: ReplicatedColumn): string {
  const x = quoteMysqlIdent(col.name);
  const zeroDate = (zero: string) => (destinationNullable(schema, col) ? 'NULL' : `'${zero}'`);
  switch (col.kind) {
    case 'int':
    case 'decimal':
      return `CAST(${x} AS CHAR)`;
    case 'year':
    case 'bit':
      return `CAST(${x} + 0 AS CHAR)`;
    case 'float':
      return floatCanonical(x);
    case 'date':
      // Zero years, months and days, and days past the month's end, become NULL (or 1970-01-01); Date32 clamps to 1900–2299.
      return (
        `CASE WHEN ${x} IS NULL THEN NULL WHEN YEAR(${x}) = 0 OR MONTH(${x}) = 0 OR DAYOFMONTH(${x}) = 0 OR DAYOFMONTH(${x}) > DAYOFMONTH(LAST_DAY(${x})) THEN ${zeroDate('1970-01-01')} ` +
        `WHEN ${x} < '1900-01-01' THEN '1900-01-01' WHEN ${x} > '2299-12-31' THEN '2299-12-31' ELSE CAST(${x} AS CHAR) END`
      );
    case 'datetime': {
      const p = datetimePrecision(col);
      const zero = ZERO_DATETIME + (p > 0 ? '.' + '0'.repeat(p) : '');
      return `CASE WHEN ${x} IS NULL THEN NULL WHEN YEAR(${x}) = 0 OR MONTH(${x}) = 0 OR DAYOFMONTH(${x}) = 0 OR DAYOFMONTH(${x}) > DAYOFMONTH(LAST_DAY(${x})) THEN ${zeroDate(zero)} ELSE CAST(${x} AS CHAR) END`;
    }
    case 'bytes':
      return x;
    case 'geometry':
      return `CAST(${x} AS BINARY)`;
    case 'ipv6':
      return `HEX(${x})`;
    case 'uuid':
    case 'ipv4':
      return `CAST(${x} AS CHAR)`;
    case 'time':
    case 'json':
    case 'string':
      return `CAST(${x} AS CHAR CHARACTER SET utf8mb4)`;
  }
}

/**
 * A value as a self-delimiting field: its length, a colon, the bytes; `N`
 * for NULL (the CONCAT is NULL then). The value's expression is computed
 * twice a row, not three times: for a date, a CASE of five functions.
 */
function field(expr: string): string {
  return `IFNULL(CONCAT(LENGTH(${expr}), ':', ${expr}), 'N')`;
}

const textOf = (schema: TableSchema, cols: ReplicatedColumn[]) => `CONCAT(${cols.map((c) => field(canonical(schema, c))).join(', ')})`;
const keyColumns = (schema: TableSchema) => schema.key.map((k) => schema.columns.find((c) => c.name === k)!);
/** 64 bits of an MD5, as an unsigned integer. */
const hash64 = (md5: string) => `CAST(CONV(LEFT(${md5}, 16), 16, 10) AS UNSIGNED)`;

/** SQL for one table: row hash, key identity (MD5 of the key's text, hex) and key bucket. */
export function checksumSql(schema: TableSchema) {
  const keyMd5 = `MD5(${textOf(schema, keyColumns(schema))})`;
  return {
    rowHash: hash64(`MD5(${textOf(schema, comparedColumns(schema))})`),
    keyId: keyMd5,
    bucket: (buckets: number) => `MOD(${hash64(keyMd5)}, ${Number(buckets)})`,
    columnHash: (col: ReplicatedColumn) => `LEFT(MD5(${field(canonical(schema, col))}), 16)`,
  };
}

/** The WHERE of a part: its key range (bound values), or its bucket. */
function partWhere(schema: TableSchema, part: ValidationPart): { sql: string; params: unknown[] } {
  if ('range' in part) return rangeWhere(schema.key, part.range.lower, part.range.upper);
  return { sql: `${checksumSql(schema).bucket(part.buckets)} = ${Number(part.bucket)}`, params: [] };
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
  const sql = checksumSql(schema);
  const table = qualifiedMysqlTable(database, schema.table);
  if ('range' in part) {
    const where = rangeWhere(schema.key, part.range.lower, part.range.upper);
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n, CAST(BIT_XOR(${sql.rowHash}) AS CHAR) AS x FROM ${table} WHERE ${where.sql}`,
      where.params,
    );
    return [{ rows: Number(rows[0]?.n ?? 0), hash: String(rows[0]?.x ?? '0') }];
  }
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT ${sql.bucket(part.buckets)} AS b, COUNT(*) AS n, CAST(BIT_XOR(${sql.rowHash}) AS CHAR) AS x FROM ${table} GROUP BY 1`,
  );
  const sums: PartChecksum[] = Array.from({ length: part.buckets }, () => ({ rows: 0, hash: '0' }));
  for (const r of rows) sums[Number(r.b)] = { rows: Number(r.n), hash: String(r.x) };
  return sums;
}

/** A key's row, by key identity: its key values and its row hash. */
export interface KeyedHash {
  key: KeyTuple;
  hash: string;
}

/** Every row of a part: key identity → key values and row hash. */
export async function sourceKeyHashes(conn: Connection, database: string, schema: TableSchema, part: ValidationPart): Promise<Map<string, KeyedHash>> {
  const sql = checksumSql(schema);
  const where = partWhere(schema, part);
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
  const sql = checksumSql(schema);
  const where = partWhere(schema, part);
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
  const sql = checksumSql(schema);
  const where = partWhere(schema, part);
  const cols = comparedColumns(schema);
  const only = keyIds ? ` AND ${sql.keyId} IN (?)` : '';
  const [rows] = await conn.query({
    sql: `SELECT ${sql.keyId} AS k, ${cols.map(selectColumn).join(', ')} FROM ${qualifiedMysqlTable(database, schema.table)} WHERE ${where.sql}${only}`,
    values: keyIds ? [...where.params, keyIds] : where.params,
    rowsAsArray: true,
  });
  return (rows as unknown as unknown[][]).map((r) => ({ keyId: String(r[0]), row: Object.fromEntries(cols.map((c, i) => [c.name, r[i + 1]])) }));
}
