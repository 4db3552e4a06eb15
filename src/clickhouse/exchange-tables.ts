import type { SwapOutcome } from '../contract/workflow-io.js';
import type { Destination } from './destination.js';
import { qualifiedChTable } from './quote.js';

/**
 * Swaps a table with its loaded `_resync` twin in one atomic step
 * (EXCHANGE TABLES: a reader sees the old table or the new one, never a
 * mix), then drops the old data. The twin carries `marker` as its comment,
 * so a retry after a crash recognises a table already swapped and only
 * finishes the cleanup. A table that did not exist yet is simply renamed.
 */
export async function swapWithResync(
  dest: Destination,
  database: string,
  table: string,
  resyncTable: string,
  marker: string,
): Promise<SwapOutcome> {
  const rows = await dest.query<{ name: string; comment: string }>(
    'SELECT name, comment FROM system.tables WHERE database = {db:String} AND name IN ({a:String}, {b:String})',
    { db: database, a: table, b: resyncTable },
  );
  const current = rows.find((r) => r.name === table);
  const fresh = rows.find((r) => r.name === resyncTable);
  const t = qualifiedChTable(database, table);
  const r = qualifiedChTable(database, resyncTable);
  if (current?.comment === marker) {
    if (fresh) await dest.command(`DROP TABLE IF EXISTS ${r} SYNC`);
    return 'already-swapped';
  }
  if (!fresh || fresh.comment !== marker) {
    throw new Error(`${database}.${resyncTable} is missing or belongs to another resync; nothing was swapped`);
  }
  if (!current) {
    await dest.command(`RENAME TABLE ${r} TO ${t}`);
    return 'renamed';
  }
  await dest.command(`EXCHANGE TABLES ${t} AND ${r}`);
  await dest.command(`DROP TABLE IF EXISTS ${r} SYNC`);
  return 'exchanged';
}
