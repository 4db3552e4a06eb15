import type { CdcTarget } from '../contract/activity-io.js';
import type { CdcStats } from '../pipe/status.js';
import { InsertBody } from '../clickhouse/insert-body.js';
import { versionAt } from '../pipe/version.js';
import type { EncodedChange, SortKey } from './change-encoder.js';
import { RowLog } from './row-log.js';
import { fromWireError } from './wire-error.js';

/**
 * Binlog changes gathered for one write, keeping only the last change per
 * sorting key (what ReplacingMergeTree would keep anyway), for every target
 * of the changed table: its live destination table, and a resync's shadow
 * for changes past the shadow's start. An UPDATE that moves a row to
 * another sorting key deletes the old one.
 */
export class ChangeBatch {
  /** Rows per destination table, and where each key's last row is. */
  private readonly rows = new Map<string, { log: RowLog; keys: Map<SortKey, number> }>();
  private readonly stopped = new Set<string>();
  /** Changes per source table. */
  readonly counts: Record<string, CdcStats> = {};
  /** Changes added since the last drain. */
  size = 0;
  /** Bytes of the rows held, superseded ones included (what the batch's memory holds). */
  chars = 0;

  /** Per target, the version a shadow's changes start after (its snapshot); none for a live table. */
  private readonly after: number[];

  /** The same targets, in the same order, as the encoder's. */
  constructor(private readonly targets: CdcTarget[]) {
    this.after = targets.map((t) => (t.shadowFrom ? versionAt(t.shadowFrom.file, t.shadowFrom.pos) : -Infinity));
  }

  /** A target that takes no more changes (its rows so far stay). */
  stop(table: string): void {
    this.stopped.add(table);
  }

  /** Adds a change's rows for the targets that take it; throws a value its column cannot hold only there. */
  add(change: EncodedChange): void {
    let taken = false;
    for (const row of change.rows) {
      const target = this.targets[row.target]!;
      if (this.stopped.has(target.table) || change.version <= this.after[row.target]!) continue;
      if (row.error) throw fromWireError(row.error);
      let table = this.rows.get(target.table);
      if (!table) this.rows.set(target.table, (table = { log: new RowLog(), keys: new Map() }));
      if (row.moved !== null) table.keys.set(row.moved, table.log.add(change.bytes, row.movedStart, row.movedEnd));
      table.keys.set(row.key, table.log.add(change.bytes, row.start, row.end));
      this.chars += row.end - row.start + row.movedEnd - row.movedStart;
      taken = true;
    }
    if (!taken) return;
    const counts = (this.counts[change.table] ??= { inserted: 0, updated: 0, deleted: 0 });
    if (change.op === 'insert') counts.inserted++;
    else if (change.op === 'delete') counts.deleted++;
    else counts.updated++;
    this.size++;
  }

  /** Takes the gathered rows per destination table, each key's last, into bodies from `newBody`, leaving the batch empty (counts stay). */
  drain(newBody: () => InsertBody = () => new InsertBody()): Map<string, InsertBody> {
    const out = new Map<string, InsertBody>();
    for (const [table, { log, keys }] of this.rows) if (keys.size > 0) out.set(table, log.body(keys.values(), newBody()));
    this.rows.clear();
    this.size = 0;
    this.chars = 0;
    return out;
  }
}
