import type { RowChange } from '../mysql/binlog-stream.js';
import type { TableSchema } from '../pipe/table-schema.js';
import type { CdcStats } from '../pipe/status.js';
import { encodeRow, type EncodedRow } from '../clickhouse/row-encoder.js';
import { toKeyValue } from '../mysql/key-range.js';
import { versionAt } from '../pipe/version.js';

/**
 * Binlog changes gathered for one write, keeping only the last change per
 * sorting key (what ReplacingMergeTree would keep anyway). An UPDATE that
 * moves a row to another sorting key deletes the old one.
 */
export class ChangeBatch {
  private readonly rows = new Map<string, Map<string, EncodedRow>>();
  private readonly schemas: Map<string, TableSchema>;
  readonly counts: Record<string, CdcStats> = {};
  /** Changes added since the last drain. */
  size = 0;
  /** Characters of the rows held (what a drain would write). */
  chars = 0;

  constructor(schemas: TableSchema[]) {
    this.schemas = new Map(schemas.map((s) => [s.table, s]));
  }

  add(change: RowChange): void {
    const schema = this.schemas.get(change.table);
    if (!schema) return;
    const version = versionAt(change.file, change.end);
    const counts = (this.counts[change.table] ??= { inserted: 0, updated: 0, deleted: 0 });
    const table = this.rows.get(change.table) ?? new Map<string, EncodedRow>();
    this.rows.set(change.table, table);
    const sortKey = (row: Record<string, unknown>) => JSON.stringify(schema.orderBy.map((c) => toKeyValue(row[c])));
    const put = (key: string, row: EncodedRow) => {
      this.chars += row.length - (table.get(key)?.length ?? 0);
      table.set(key, row);
    };
    if (change.op === 'insert' && change.after) {
      put(sortKey(change.after), encodeRow(schema, change.after, version, false));
      counts.inserted++;
    } else if (change.op === 'delete' && change.before) {
      put(sortKey(change.before), encodeRow(schema, change.before, version, true));
      counts.deleted++;
    } else if (change.op === 'update' && change.before && change.after) {
      const from = sortKey(change.before);
      const to = sortKey(change.after);
      if (from !== to) put(from, encodeRow(schema, change.before, version, true));
      put(to, encodeRow(schema, change.after, version, false));
      counts.updated++;
    }
    this.size++;
  }

  /** Takes the gathered rows per table, leaving the batch empty (counts stay). */
  drain(): Map<string, EncodedRow[]> {
    const out = new Map<string, EncodedRow[]>();
    for (const [table, rows] of this.rows) if (rows.size > 0) out.set(table, [...rows.values()]);
    this.rows.clear();
    this.size = 0;
    this.chars = 0;
    return out;
  }
}
