import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Chunk } from '../pipe/chunk.js';
import type { ReplicatedColumn, TableSchema } from '../pipe/table-schema.js';
import { qualifiedMysqlTable, quoteMysqlIdent } from './quote.js';
import { rangeWhere } from './key-range.js';
import { definitionChange } from './definition-check.js';

/*
 * Rules for the pull load mode: where ClickHouse's own MySQL reader (the
 * mysql() table function) reads exactly what the streaming path writes.
 */

/**
 * Dates are pulled only where ClickHouse's MySQL reader converts them like
 * the streaming path (see `pullableValuesSql`). TIMESTAMP is read in the
 * source's session time zone, so it is pulled only when that is UTC.
 */
const DATE_KINDS = new Set<ReplicatedColumn['kind']>(['date', 'datetime']);
const PULLABLE_KEY_KINDS = new Set<ReplicatedColumn['kind']>(['int', 'decimal', 'date', 'datetime', 'bytes']);

/**
 * MySQL condition true for rows whose dates ClickHouse's MySQL reader
 * converts as the streaming path does: inside Date32's range and without a
 * zero month or day (which it turns into 1970-01-01, not NULL).
 */
function pullableValuesSql(schema: TableSchema, quote: (name: string) => string): string | null {
  const conds = schema.columns
    .filter((c) => DATE_KINDS.has(c.kind))
    .map((c) => {
      const q = quote(c.name);
      const ok = `(${q} BETWEEN '1900-01-01' AND '2299-12-31 23:59:59.999999' AND MONTH(${q}) > 0 AND DAYOFMONTH(${q}) > 0)`;
      return c.nullable ? `(${q} IS NULL OR ${ok})` : ok;
    });
  return conds.length ? conds.join(' AND ') : null;
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
 * Whether ClickHouse may read this chunk from the source itself (pull load
 * mode) and get exactly what the streaming path would write: the table's
 * types allow it, no value in the chunk would be converted differently, and
 * TIMESTAMPs are read in UTC. One range scan counts the chunk and finds
 * such values; the same query reads the time zone its session gets.
 * Returns the chunk's row count when it may be pulled, else null.
 */
export async function pullableChunkRows(conn: Connection, database: string, schema: TableSchema, chunk: Chunk): Promise<number | null> {
  if (!pullable(schema) || (await definitionChange(conn, database, schema))) return null;
  const where = rangeWhere(schema.key, chunk.lower, chunk.upper);
  const exact = pullableValuesSql(schema, quoteMysqlIdent);
  const [[r]] = await conn.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS n, ${exact ? `COALESCE(SUM(NOT (${exact})), 0)` : '0'} AS odd, ` +
      '@@global.time_zone AS zone, @@system_time_zone AS system ' +
      `FROM ${qualifiedMysqlTable(database, schema.table)} WHERE ${where.sql}`,
    where.params,
  );
  const zone = String(r?.zone) === 'SYSTEM' ? String(r?.system) : String(r?.zone);
  if (Number(r?.odd) > 0 || (hasTimestamps(schema) && !UTC_ZONES.test(zone))) return null;
  return Number(r?.n ?? 0);
}
