import { qualifiedChTable, quoteChIdent } from './quote.js';

/** One change to a ClickHouse table's columns. */
export type ColumnDdl =
  | { add: string; type: string; default?: string; first?: boolean; after?: string }
  | { drop: string }
  | { rename: string; to: string }
  | { modify: string; type: string };

/**
 * The ClickHouse statement of one column change, written so that running it
 * again changes nothing (a retried step after a crash).
 */
export function columnDdlSql(database: string, table: string, change: ColumnDdl): string {
  const t = `ALTER TABLE ${qualifiedChTable(database, table)}`;
  if ('add' in change) {
    const where = change.first ? ' FIRST' : change.after ? ` AFTER ${quoteChIdent(change.after)}` : '';
    return `${t} ADD COLUMN IF NOT EXISTS ${quoteChIdent(change.add)} ${change.type}${change.default ? ` DEFAULT ${change.default}` : ''}${where}`;
  }
  if ('drop' in change) return `${t} DROP COLUMN IF EXISTS ${quoteChIdent(change.drop)}`;
  if ('rename' in change) return `${t} RENAME COLUMN IF EXISTS ${quoteChIdent(change.rename)} TO ${quoteChIdent(change.to)}`;
  return `${t} MODIFY COLUMN ${quoteChIdent(change.modify)} ${change.type}`;
}
