import type { Destination } from './destination.js';
import { qualifiedChTable } from './quote.js';

/** The rows a destination table holds (soft-deleted ones included), or null when there is no such table. */
export async function storedRows(dest: Destination, database: string, table: string): Promise<number | null> {
  const [t] = await dest.query<{ rows: string | null }>(
    'SELECT total_rows AS rows FROM system.tables WHERE database = {db:String} AND name = {t:String}',
    { db: database, t: table },
  );
  if (!t) return null;
  if (t.rows !== null) return Number(t.rows);
  const [c] = await dest.query<{ n: string }>(`SELECT count() AS n FROM ${qualifiedChTable(database, table)}`);
  return Number(c?.n ?? 0);
}
