import type { Destination } from './destination.js';
import { qualifiedChTable } from './quote.js';

/**
 * The rows each of these destination tables holds (soft-deleted ones
 * included); a table that does not exist is absent. One query for all (a
 * pipe may have hundreds), counting only tables whose engine keeps no total.
 */
export async function storedRows(dest: Destination, database: string, tables: string[]): Promise<Map<string, number>> {
  const found = await dest.query<{ name: string; rows: string | null }>(
    'SELECT name, total_rows AS rows FROM system.tables WHERE database = {db:String} AND has({names:Array(String)}, name)',
    { db: database, names: tables },
  );
  const rows = new Map<string, number>();
  for (const t of found) {
    if (t.rows !== null) {
      rows.set(t.name, Number(t.rows));
      continue;
    }
    const [c] = await dest.query<{ n: string }>(`SELECT count() AS n FROM ${qualifiedChTable(database, t.name)}`);
    rows.set(t.name, Number(c?.n ?? 0));
  }
  return rows;
}
