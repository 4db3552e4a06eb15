import type { TableSchema } from '../pipe/table-schema.js';
import { qualifiedChTable, quoteChIdent } from './quote.js';
import { DELETED_COLUMN, VERSION_COLUMN } from './table-ddl.js';

/**
 * TRUNCATE at the source, followed: every live row of the table written
 * again as deleted, with the version of the TRUNCATE's position (above any
 * earlier change), so FINAL shows the table empty and its history stays.
 * Running it again writes nothing more (no live row is left).
 */
export function truncateAsDeletesSql(database: string, schema: TableSchema, version: number): string {
  const t = qualifiedChTable(database, schema.table);
  const cols = schema.columns.map((c) => quoteChIdent(c.name)).join(', ');
  return (
    `INSERT INTO ${t} (${cols}, ${quoteChIdent(VERSION_COLUMN)}, ${quoteChIdent(DELETED_COLUMN)}) ` +
    `SELECT ${cols}, ${Number(version)}, 1 FROM ${t} FINAL WHERE ${quoteChIdent(DELETED_COLUMN)} = 0`
  );
}
