import { destinationNullable, type ReplicatedColumn, type TableSchema } from '../pipe/table-schema.js';
import { quoteChIdent, qualifiedChTable, quoteChString } from './quote.js';

/** Columns every replicated table carries, named as ClickPipes users know them. */
export const VERSION_COLUMN = '_peerdb_version';
export const DELETED_COLUMN = '_peerdb_is_deleted';
export const SYNCED_AT_COLUMN = '_peerdb_synced_at';

export function createDatabaseSql(database: string): string {
  return `CREATE DATABASE IF NOT EXISTS ${quoteChIdent(database)}`;
}

/** A column's full ClickHouse type: sorting-key columns cannot be Nullable. */
export function columnType(schema: TableSchema, col: ReplicatedColumn): string {
  if (!destinationNullable(schema, col)) return col.clickhouseType;
  // LowCardinality wraps Nullable, not the other way round.
  const low = /^LowCardinality\((.*)\)$/.exec(col.clickhouseType);
  return low ? `LowCardinality(Nullable(${low[1]}))` : `Nullable(${col.clickhouseType})`;
}

/**
 * A ReplacingMergeTree keyed by the sorting key: the row with the highest
 * version wins, and FINAL hides keys whose winning row is a delete.
 * Key columns cannot be Nullable (ClickHouse sorting keys), so only the
 * other nullable columns are.
 */
export function createTableSql(
  database: string,
  table: string,
  schema: TableSchema,
  options: { mode: 'if-not-exists' | 'or-replace'; comment?: string },
): string {
  const cols = schema.columns.map((c) => `  ${quoteChIdent(c.name)} ${columnType(schema, c)}`);
  cols.push(`  ${quoteChIdent(VERSION_COLUMN)} UInt64`);
  cols.push(`  ${quoteChIdent(DELETED_COLUMN)} UInt8`);
  cols.push(`  ${quoteChIdent(SYNCED_AT_COLUMN)} DateTime64(9) DEFAULT now64()`);
  const head = options.mode === 'or-replace' ? 'CREATE OR REPLACE TABLE' : 'CREATE TABLE IF NOT EXISTS';
  return (
    `${head} ${qualifiedChTable(database, table)} (\n${cols.join(',\n')}\n)\n` +
    `ENGINE = ReplacingMergeTree(${quoteChIdent(VERSION_COLUMN)}, ${quoteChIdent(DELETED_COLUMN)})\n` +
    `ORDER BY (${schema.orderBy.map(quoteChIdent).join(', ')})\n` +
    // Lets a retried insert with the same deduplication token be dropped.
    `SETTINGS non_replicated_deduplication_window = 1000` +
    (options.comment ? `\nCOMMENT ${quoteChString(options.comment)}` : '')
  );
}

/** Destination columns an insert writes (the synced-at column fills itself). */
export function insertColumns(schema: TableSchema): string[] {
  return [...schema.columns.map((c) => c.name), VERSION_COLUMN, DELETED_COLUMN];
}
