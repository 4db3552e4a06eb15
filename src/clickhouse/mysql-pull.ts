import type { KeyTuple, KeyValue, ReplicatedColumn, TableSchema } from '../pipe/table-schema.js';
import { keyRangeCondition } from '../mysql/key-range.js';
import { qualifiedChTable, quoteChBytes, quoteChIdent, quoteChString } from './quote.js';

/**
 * The pull load mode: ClickHouse reads a chunk from the source itself with
 * the mysql() table function, in one INSERT … SELECT. The key range is pushed
 * down to MySQL (external_table_strict_query refuses anything else), so each
 * chunk is one index range scan, as in the streaming mode.
 */

/** Where and as whom ClickHouse reads the source. */
export interface PullSource {
  /** host:port as ClickHouse reaches it. */
  address: string;
  database: string;
  user: string;
  password: string;
}

/**
 * Dates are pulled only where ClickHouse's MySQL reader converts them like
 * the streaming path (see `pullableValuesSql`). TIMESTAMP is read in the
 * source's session time zone, so it is pulled only when that is UTC.
 */
const DATE_KINDS = new Set<ReplicatedColumn['kind']>(['date', 'datetime']);
const PULLABLE_KEY_KINDS = new Set<ReplicatedColumn['kind']>(['int', 'decimal', 'date', 'datetime', 'bytes']);

/** A key value (of a pullable key kind) as a ClickHouse SQL literal. */
function literal(col: ReplicatedColumn, v: KeyValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'object') return quoteChBytes(Buffer.from(v.base64, 'base64'));
  if ((col.kind === 'int' || col.kind === 'decimal') && /^-?\d+(\.\d+)?$/.test(String(v))) return String(v);
  return quoteChString(String(v));
}

/** The chunk's key range, (lower, upper], in ClickHouse SQL with literal values. */
export function chunkRangeSql(schema: TableSchema, lower: KeyTuple | null, upper: KeyTuple | null): string {
  const byName = new Map(schema.columns.map((c) => [c.name, c]));
  return keyRangeCondition(schema.key, lower, upper, (values) => (column, i, op) =>
    `${quoteChIdent(column)} ${op} ${literal(byName.get(column)!, values[i]!)}`,
  );
}

/**
 * MySQL condition true for rows whose dates ClickHouse's MySQL reader
 * converts as the streaming path does: inside Date32's range and without a
 * zero month or day (which it turns into 1970-01-01, not NULL).
 */
export function pullableValuesSql(schema: TableSchema, quote: (name: string) => string): string | null {
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

export interface PullChunk {
  target: { database: string; table: string };
  schema: TableSchema;
  source: PullSource;
  lower: KeyTuple | null;
  upper: KeyTuple | null;
  version: number;
  dedupToken: string;
}

/** The INSERT … SELECT FROM mysql(…) that loads one chunk. Holds the password: never log it. */
export function pullChunkSql(chunk: PullChunk): string {
  const { schema, source } = chunk;
  const cols = schema.columns.map((c) => quoteChIdent(c.name));
  // BINARY(n) arrives as FixedString(n), whose cast to String would drop the
  // trailing 0x00 padding that the streaming path keeps.
  const values = schema.columns.map((c) => (/^binary\(/.test(c.sourceType) ? `concat(${quoteChIdent(c.name)}, '')` : quoteChIdent(c.name)));
  const from =
    `mysql(${quoteChString(source.address)}, ${quoteChString(source.database)}, ${quoteChString(schema.table)}, ` +
    `${quoteChString(source.user)}, ${quoteChString(source.password)})`;
  return (
    `INSERT INTO ${qualifiedChTable(chunk.target.database, chunk.target.table)} ` +
    `(${[...cols, '`_peerdb_version`', '`_peerdb_is_deleted`'].join(', ')}) ` +
    `SELECT ${values.join(', ')}, ${chunk.version}, 0 FROM ${from} WHERE ${chunkRangeSql(schema, chunk.lower, chunk.upper)} ` +
    'SETTINGS ' +
    [
      `insert_deduplication_token = ${quoteChString(chunk.dedupToken)}`,
      // Exact DECIMAL, microseconds, dates before 1970.
      "mysql_datatypes_support_level = 'decimal,datetime64,date2Date32'",
      'external_table_functions_use_nulls = 1',
      // The WHERE must reach MySQL whole, or ClickHouse would read the table.
      'external_table_strict_query = 1',
      // DATETIME text read as UTC wall-clock time, as the streaming path does.
      "session_timezone = 'UTC'",
    ].join(', ')
  );
}
