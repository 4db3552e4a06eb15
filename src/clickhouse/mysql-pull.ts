import type { KeyTuple, KeyValue, ReplicatedColumn, TableSchema } from '../pipe/table-schema.js';
import { keyRangeCondition } from '../pipe/key-range.js';
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
      // A key range holds each key once: nothing to collapse at insert (see destination.ts).
      'optimize_on_insert = 0',
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
