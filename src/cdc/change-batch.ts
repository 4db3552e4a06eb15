import type { RowChange } from '../mysql/binlog-stream.js';
import type { TableSchema } from '../pipe/table-schema.js';
import type { CdcStats } from '../pipe/status.js';
import { encodeRow, type ChRow } from '../clickhouse/row-encoder.js';
import { toKeyValue } from '../mysql/key-range.js';
import { versionAt } from '../pipe/version.js';

/**
 * Binlog changes gathered for one write, keeping only the last change per
 * sorting key (what ReplacingMergeTree would keep anyway). An UPDATE that
 * moves a row to another sorting key deletes the old one.
 */
export class ChangeBatch {
  private readonly rows = new Map<string, Map<string, ChRow>>();
  private readonly schemas: Map<string, TableSchema>;
  readonly counts: Record<string, CdcStats> = {};
  size = 0;

  constructor(schemas: TableSchema[]) {
    this.schemas = new Map(schemas.map((s) => [s.table, s]));
  }

  add(change: RowChange): void {
    const schema = this.schemas.get(change.table);
    if (!schema) return;
    const version = versionAt(change.file, change.end);
    const counts = (this.counts[change.table] ??= { inserted: 0, updated: 0, deleted: 0 });
    let table = this.rows.get(change.table);
    if (!table) this.rows.set(change.table, (table = new Map()));
    const sortKey = (row: Record<string, unknown>) => JSON.stringify(schema.orderBy.map((c) => toKeyValue(row[c])));
    if (change.op === 'insert' && change.after) {
      table.set(sortKey(change.after), encodeRow(schema, change.after, version, false));
      counts.inserted++;
    } else if (change.op === 'delete' && change.before) {
      table.set(sortKey(change.before), encodeRow(schema, change.before, version, true));
      counts.deleted++;
    } else if (change.op === 'update' && change.before && change.after) {
      const from = sortKey(change.before);
      const to = sortKey(change.after);
      if (from !== to) table.set(from, encodeRow(schema, change.before, version, true));
      table.set(to, encodeRow(schema, change.after, version, false));
      counts.updated++;
    }
    this.size++;
  }

  /** Takes the gathered rows per table, leaving the batch empty (counts stay). */
  drain(): Map<string, ChRow[]> {
    const out = new Map<string, ChRow[]>();
    for (const [table, rows] of this.rows) if (rows.size > 0) out.set(table, [...rows.values()]);
    this.rows.clear();
    this.size = 0;
    return out;
  }
}
