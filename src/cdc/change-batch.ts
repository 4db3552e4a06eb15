import type { CdcTarget } from '../contract/activity-io.js';
import type { RowChange } from '../mysql/binlog-stream.js';
import type { CdcStats } from '../pipe/status.js';
import { encodeRow, type EncodedRow } from '../clickhouse/row-encoder.js';
import { toKeyValue } from '../pipe/key-range.js';
import { versionAt } from '../pipe/version.js';

/**
 * Binlog changes gathered for one write, keeping only the last change per
 * sorting key (what ReplacingMergeTree would keep anyway), for every target
 * of the changed table: its live destination table, and a resync's shadow
 * for changes past the shadow's start. An UPDATE that moves a row to
 * another sorting key deletes the old one.
 */
export class ChangeBatch {
  /** Rows per destination table, by sorting key. */
  private readonly rows = new Map<string, Map<string, EncodedRow>>();
  private readonly targets = new Map<string, CdcTarget[]>();
  private readonly stopped = new Set<string>();
  /** Changes per source table. */
  readonly counts: Record<string, CdcStats> = {};
  /** Changes added since the last drain. */
  size = 0;
  /** Characters of the rows held (what a drain would write). */
  chars = 0;

  constructor(targets: CdcTarget[]) {
    for (const t of targets) this.targets.set(t.source, [...(this.targets.get(t.source) ?? []), t]);
  }

  /** A target that takes no more changes (its rows so far stay). */
  stop(table: string): void {
    this.stopped.add(table);
  }

  /** The binlog file whose changes arrive now, and its version base (one regex per file, not per change). */
  private file = '';
  private fileBase = 0;

  add(change: RowChange): void {
    if (change.file !== this.file) {
      this.file = change.file;
      this.fileBase = versionAt(change.file, 0);
    }
    const version = this.fileBase + change.end;
    const all = this.targets.get(change.table);
    if (!all) return;
    // (Nearly always one target: the live table; a shadow only while a resync loads it.)
    const targets =
      all.length === 1 && !all[0]!.shadowFrom && this.stopped.size === 0
        ? all
        : all.filter((t) => !this.stopped.has(t.table) && (!t.shadowFrom || version > versionAt(t.shadowFrom.file, t.shadowFrom.pos)));
    if (targets.length === 0) return;
    const counts = (this.counts[change.table] ??= { inserted: 0, updated: 0, deleted: 0 });
    if (change.op === 'insert') counts.inserted++;
    else if (change.op === 'delete') counts.deleted++;
    else counts.updated++;
    for (const target of targets) this.write(target, change, version);
    this.size++;
  }

  private write(target: CdcTarget, change: RowChange, version: number): void {
    const { schema } = target;
    const table = this.rows.get(target.table) ?? new Map<string, EncodedRow>();
    this.rows.set(target.table, table);
    // One sorting column (the usual case): its value's text is the key, without building an array.
    const [only] = schema.orderBy;
    const sortKey =
      schema.orderBy.length === 1 && only !== undefined
        ? (row: Record<string, unknown>) => {
            const v = row[only];
            // (One column holds one kind of value: a number's text cannot meet a Buffer's JSON.)
            return typeof v === 'number' || typeof v === 'string' ? String(v) : v === null || v === undefined ? '\u0000' : JSON.stringify(toKeyValue(v));
          }
        : (row: Record<string, unknown>) => JSON.stringify(schema.orderBy.map((c) => toKeyValue(row[c])));
    const put = (key: string, row: EncodedRow) => {
      this.chars += row.length - (table.get(key)?.length ?? 0);
      table.set(key, row);
    };
    if (change.op === 'insert' && change.after) {
      put(sortKey(change.after), encodeRow(schema, change.after, version, false));
    } else if (change.op === 'delete' && change.before) {
      put(sortKey(change.before), encodeRow(schema, change.before, version, true));
    } else if (change.op === 'update' && change.before && change.after) {
      const from = sortKey(change.before);
      const to = sortKey(change.after);
      if (from !== to) put(from, encodeRow(schema, change.before, version, true));
      put(to, encodeRow(schema, change.after, version, false));
    }
  }

  /** Takes the gathered rows per destination table, leaving the batch empty (counts stay). */
  drain(): Map<string, EncodedRow[]> {
    const out = new Map<string, EncodedRow[]>();
    for (const [table, rows] of this.rows) if (rows.size > 0) out.set(table, [...rows.values()]);
    this.rows.clear();
    this.size = 0;
    this.chars = 0;
    return out;
  }
}
