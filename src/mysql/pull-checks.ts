import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Chunk } from '../pipe/chunk.js';
import { fromKeyValue } from '../pipe/key-range.js';
import { isDate, type KeyTuple, type ReplicatedColumn, type TableSchema } from '../pipe/table-schema.js';
import { qualifiedMysqlTable, quoteMysqlIdent } from './quote.js';
import { rangeWhere } from './key-range.js';
import { definitionChange } from './definition-check.js';

/*
 * Rules for the pull load mode: where ClickHouse's own MySQL reader (the
 * mysql() table function) reads exactly what the streaming path writes.
 */

const PULLABLE_KEY_KINDS = new Set<ReplicatedColumn['kind']>(['int', 'decimal', 'date', 'datetime', 'bytes']);

/**
 * MySQL condition true for rows with a date ClickHouse's MySQL reader
 * converts otherwise than the streaming path: outside Date32's range, a zero
 * year, month or day (it turns them into 1970-01-01 or 1900-01-01, not
 * NULL), or a day past the month's end (stored under ALLOW_INVALID_DATES; it
 * moves them into the next month). Null when the table has no dates.
 * (TIMESTAMP is read in the source's session time zone: pulled only when
 * that is UTC, see `pullableNow`.)
 */
export function oddDatesSql(schema: TableSchema): string | null {
  const conds = schema.columns.filter(isDate).map((c) => {
    const q = quoteMysqlIdent(c.name);
    // LAST_DAY is NULL for a zero month: IS NOT TRUE counts that row as odd.
    const ok = `(${q} BETWEEN '1900-01-01' AND '2299-12-31 23:59:59.999999' AND MONTH(${q}) > 0 AND DAYOFMONTH(${q}) > 0 AND DAYOFMONTH(${q}) <= DAYOFMONTH(LAST_DAY(${q})))`;
    return c.nullable ? `(${q} IS NULL OR ${ok})` : ok;
  });
  return conds.length ? `(${conds.join(' AND ')}) IS NOT TRUE` : null;
}

/**
 * Whether ClickHouse's MySQL reader can load the table exactly. Its float
 * parser is not correctly rounded (2.2250738585072014e-308 arrives one unit
 * off, the largest doubles as ±inf), so tables with FLOAT or DOUBLE columns
 * are streamed; so are keys that MySQL and ClickHouse order differently,
 * since ClickHouse filters the rows MySQL sends by the range again (a string
 * under a case-insensitive collation, MariaDB's UUID order).
 */
export function pullable(schema: TableSchema): boolean {
  const keyKinds = schema.key.map((k) => schema.columns.find((c) => c.name === k)?.kind);
  return (
    keyKinds.every((k) => k !== undefined && PULLABLE_KEY_KINDS.has(k)) && schema.columns.every((c) => c.kind !== 'float')
  );
}

/** Whether the schema has TIMESTAMP columns (pulled only from a UTC source). */
export function hasTimestamps(schema: TableSchema): boolean {
  return schema.columns.some((c) => /^timestamp\b/.test(c.sourceType));
}

const UTC_ZONES = /^(\+00:00|UTC|GMT|Etc\/UTC|Etc\/GMT|Universal|Zulu)$/i;

/**
 * Whether ClickHouse may read the table from the source itself now: its
 * types allow it, its definition is the one the pipe read, and TIMESTAMPs
 * are read in UTC. No row is read: the values are checked after the pull.
 */
export async function pullableNow(conn: Connection, database: string, schema: TableSchema): Promise<boolean> {
  if (!pullable(schema) || (await definitionChange(conn, database, schema))) return false;
  if (!hasTimestamps(schema)) return true;
  const [[r]] = await conn.query<RowDataPacket[]>('SELECT @@global.time_zone AS zone, @@system_time_zone AS system');
  return UTC_ZONES.test(String(r?.zone) === 'SYSTEM' ? String(r?.system) : String(r?.zone));
}

/** The chunk's rows at the source, and how many hold odd dates (see `oddDatesSql`): one range scan. */
export async function oddRowsInChunk(conn: Connection, database: string, schema: TableSchema, chunk: Chunk): Promise<{ rows: number; odd: number }> {
  const odd = oddDatesSql(schema);
  const where = rangeWhere(schema.key, chunk.lower, chunk.upper);
  const [[r]] = await conn.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n, ${odd ? `COALESCE(SUM(${odd}), 0)` : '0'} AS odd FROM ${qualifiedMysqlTable(database, schema.table)} WHERE ${where.sql}`,
    where.params,
  );
  return { rows: Number(r?.n ?? 0), odd: Number(r?.odd ?? 0) };
}

/** Keys per query of `oddRowsAmong`. */
const KEYS_PER_QUERY = 1_000;

/** Rows with odd dates among these keys: point lookups, for the few rows whose pulled dates look suspect. */
export async function oddRowsAmong(conn: Connection, database: string, schema: TableSchema, keys: KeyTuple[]): Promise<number> {
  const odd = oddDatesSql(schema);
  if (!odd) return 0;
  const tuple = schema.key.length > 1;
  const cols = schema.key.map(quoteMysqlIdent).join(', ');
  const one = tuple ? `(${schema.key.map(() => '?').join(', ')})` : '?';
  let n = 0;
  for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) {
    const batch = keys.slice(i, i + KEYS_PER_QUERY);
    const [[r]] = await conn.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM ${qualifiedMysqlTable(database, schema.table)} ` +
        `WHERE ${tuple ? `(${cols})` : cols} IN (${batch.map(() => one).join(', ')}) AND ${odd}`,
      batch.flatMap((k) => k.map(fromKeyValue)),
    );
    n += Number(r?.n ?? 0);
  }
  return n;
}
