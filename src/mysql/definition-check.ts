import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { TableSchema } from '../pipe/table-schema.js';
import { SourceDefinitionChangedError } from '../pipe/errors.js';

/**
 * What changed in the source table's replicated columns since the pipe read
 * its definition (a column gone, a new type, NULL allowed or not), or null.
 * An ALTER TABLE can land between two pages of a load: rows read after it
 * have the new shape, which the old ClickHouse column may not hold (or
 * would hold converted without a word). One indexed lookup, well under a
 * millisecond.
 */
export async function definitionChange(conn: Connection, database: string, schema: TableSchema): Promise<string | null> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT COLUMN_NAME AS name, COLUMN_TYPE AS type, IS_NULLABLE AS nullable FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, schema.table],
  );
  if (rows.length === 0) return 'the table is gone';
  const now = new Map(rows.map((r) => [String(r.name), { type: String(r.type).toLowerCase(), nullable: r.nullable === 'YES' }]));
  for (const c of schema.columns) {
    const col = now.get(c.name);
    if (!col) return `column "${c.name}" is gone`;
    if (col.type !== c.sourceType || col.nullable !== c.nullable) {
      return `column "${c.name}" is now ${col.type}${col.nullable ? '' : ' NOT NULL'} (was ${c.sourceType}${c.nullable ? '' : ' NOT NULL'})`;
    }
  }
  return null;
}

/** Throws when the table's replicated columns changed (the load of the table must start again from its new definition). */
export async function assertDefinitionUnchanged(conn: Connection, database: string, schema: TableSchema): Promise<void> {
  const change = await definitionChange(conn, database, schema);
  if (change) throw new SourceDefinitionChangedError(`table "${schema.table}" changed at the source during its load: ${change}`);
}
