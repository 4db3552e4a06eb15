import type { CdcTarget } from '../contract/activity-io.js';
import type { ChangeKind, RowChange, SourceRow } from '../mysql/binlog-reader.js';
import { ImageRow } from '../mysql/row-image.js';
import { ImageRowWriter } from './image-rows.js';
import { encodeRow } from '../clickhouse/row-encoder.js';
import { toKeyValue } from '../pipe/key-range.js';
import { versionAt } from '../pipe/version.js';
import { toWireError, type WireError } from './wire-error.js';

/**
 * A row's sorting key. A column holds one kind of value (numbers for
 * integers up to 2^53, strings above them and for text), so a number never
 * meets the string of the same value.
 */
export type SortKey = string | number;

/** A change's row for one target (by its index in the targets), as bytes in the change's `bytes`. */
export interface TargetRow {
  target: number;
  key: SortKey;
  start: number;
  end: number;
  /** An UPDATE that moved the row to another key: the old key's delete row. */
  moved: SortKey | null;
  movedStart: number;
  movedEnd: number;
  /** The value its column cannot hold, for this target (thrown where the target takes the change). */
  error: WireError | null;
}

/** A binlog row change, encoded for each target of its table. */
export interface EncodedChange {
  kind: 'change';
  /** The source table. */
  table: string;
  op: ChangeKind;
  file: string;
  end: number;
  /** The version its rows carry (see version.ts). */
  version: number;
  /** Holds every row of `rows` (TabSeparated lines, newlines included); the encoder's own slab until its `take()`. */
  bytes: Buffer;
  rows: TargetRow[];
}

const SLAB = 1024 * 1024;

function sortKeyOf(orderBy: string[]): (row: Record<string, unknown>) => SortKey {
  const [only] = orderBy;
  if (orderBy.length === 1 && only !== undefined) {
    // One sorting column (the usual case): its value is the key, with no string built.
    return (row) => {
      const v = row[only];
      return typeof v === 'number' || typeof v === 'string' ? v : v === null || v === undefined ? '\u0000' : JSON.stringify(toKeyValue(v));
    };
  }
  return (row) => JSON.stringify(orderBy.map((c) => toKeyValue(row[c])));
}

/**
 * Turns decoded row changes into their destination rows, written into
 * bytes at once (a batch holding rows as strings spent a third of CDC's
 * time collecting them), with each row's sorting key, for every target of
 * the changed table. Rows of one change share one slab; `onSlab` hears
 * when a slab is done with (no later change writes into it).
 */
export class ChangeEncoder {
  private readonly bySource = new Map<string, number[]>();
  private readonly keys: ((row: Record<string, unknown>) => SortKey)[];
  private slab = Buffer.allocUnsafeSlow(SLAB);
  private at = 0;
  private file = '';
  private fileBase = 0;

  constructor(
    private readonly targets: CdcTarget[],
    private readonly onSlab: (used: Buffer) => void = () => undefined,
  ) {
    targets.forEach((t, i) => this.bySource.set(t.source, [...(this.bySource.get(t.source) ?? []), i]));
    this.keys = targets.map((t) => sortKeyOf(t.schema.orderBy));
  }

  /**
   * The bytes written since the last call, in a buffer of their own (the
   * offsets of the rows encoded meanwhile are into it); the slab is then
   * written from its start again. A slab mostly used is handed over whole,
   * a little used one copied, so a slow binlog does not pin a slab a row.
   */
  take(): Buffer {
    let used: Buffer;
    if (this.at * 2 >= this.slab.length) {
      used = this.slab.subarray(0, this.at);
      this.slab = Buffer.allocUnsafeSlow(SLAB);
    } else {
      used = Buffer.allocUnsafeSlow(this.at);
      this.slab.copy(used, 0, 0, this.at);
    }
    this.at = 0;
    return used;
  }

  /** Null when no target takes the change's table. */
  encode(change: RowChange): EncodedChange | null {
    const indexes = this.bySource.get(change.table);
    if (!indexes) return null;
    if (change.file !== this.file) {
      this.file = change.file;
      this.fileBase = versionAt(change.file, 0);
    }
    const version = this.fileBase + change.end;
    const fast = this.encodeImages(indexes, change, version);
    if (fast) return { kind: 'change', table: change.table, op: change.op, file: change.file, end: change.end, version, bytes: this.slab, rows: fast };
    // Every row as text first, so that the change's rows fit one slab.
    const texts: (string | null)[] = [];
    const rows: TargetRow[] = [];
    let room = 0;
    for (const target of indexes) {
      const row: TargetRow = { target, key: '', start: 0, end: 0, moved: null, movedStart: 0, movedEnd: 0, error: null };
      let moved: string | null = null;
      let text: string | null = null;
      try {
        const encoded = this.rowsOf(target, change, version);
        // (A change without its row image has nothing to write: never seen from the reader.)
        if (!encoded) continue;
        [row.key, row.moved, moved, text] = encoded;
      } catch (err) {
        row.error = toWireError(err);
      }
      for (const t of [moved, text]) if (t !== null) room += t.length * 3 + 1;
      texts.push(moved, text);
      rows.push(row);
    }
    if (this.at + room > this.slab.length) {
      this.onSlab(this.take());
      if (room > this.slab.length) this.slab = Buffer.allocUnsafeSlow(room);
    }
    rows.forEach((row, i) => {
      const moved = texts[2 * i];
      const text = texts[2 * i + 1];
      if (moved) [row.movedStart, row.movedEnd] = this.write(moved);
      if (text) [row.start, row.end] = this.write(text);
    });
    return { kind: 'change', table: change.table, op: change.op, file: change.file, end: change.end, version, bytes: this.slab, rows };
  }

  /**
   * The change's rows written straight from its binlog images (see
   * image-rows.ts), or null when one of them takes the general path; then
   * nothing of the change is left in the slab.
   */
  private encodeImages(indexes: number[], change: RowChange, version: number): TargetRow[] | null {
    const { before, after } = change;
    if (!(before === null || before instanceof ImageRow) || !(after === null || after instanceof ImageRow)) return null;
    const image = after ?? before;
    if (!image) return null;
    const writers: ImageRowWriter[] = [];
    let room = 0;
    for (const target of indexes) {
      const w = ImageRowWriter.of(this.targets[target]!.schema, image.layout);
      if (!w) return null;
      writers.push(w);
      room += w.room(image.start, image.end) + (before && after ? w.room(before.start, before.end) : 0);
    }
    if (this.at + room > this.slab.length) {
      this.onSlab(this.take());
      if (room > this.slab.length) this.slab = Buffer.allocUnsafeSlow(room);
    }
    const mark = this.at;
    const suffixOf = (deleted: boolean) => `\t${version}\t${deleted ? 1 : 0}\n`;
    const suffix = suffixOf(change.op === 'delete');
    const rows: TargetRow[] = [];
    for (let n = 0; n < indexes.length; n++) {
      const w = writers[n]!;
      const key = this.keys[indexes[n]!]!;
      // The row (the after image of an update), then the old key's delete row of an update that moved it.
      w.read(image);
      const keyRow = w.keyRow();
      const end = keyRow ? w.write(this.slab, this.at, suffix) : -1;
      if (!keyRow || end < 0) return this.undo(mark);
      const row: TargetRow = { target: indexes[n]!, key: key(keyRow), start: this.at, end, moved: null, movedStart: 0, movedEnd: 0, error: null };
      this.at = end;
      if (before && after) {
        w.read(before);
        const fromRow = w.keyRow();
        if (!fromRow) return this.undo(mark);
        const from = key(fromRow);
        if (from !== row.key) {
          const movedEnd = w.write(this.slab, this.at, suffixOf(true));
          if (movedEnd < 0) return this.undo(mark);
          row.moved = from;
          row.movedStart = this.at;
          row.movedEnd = movedEnd;
          this.at = movedEnd;
        }
      }
      rows.push(row);
    }
    return rows;
  }

  private undo(mark: number): null {
    this.at = mark;
    return null;
  }

  /** The row's key, the moved-from key, and the rows' texts (the moved-from delete, the row). */
  private rowsOf(target: number, change: RowChange, version: number): [SortKey, SortKey | null, string | null, string] | null {
    const { schema } = this.targets[target]!;
    const key = this.keys[target]!;
    const before = values(change.before);
    const after = values(change.after);
    if (change.op === 'insert' && after) return [key(after), null, null, encodeRow(schema, after, version, false)];
    if (change.op === 'delete' && before) return [key(before), null, null, encodeRow(schema, before, version, true)];
    if (change.op === 'update' && before && after) {
      const from = key(before);
      const to = key(after);
      const moved = from !== to ? encodeRow(schema, before, version, true) : null;
      return [to, moved === null ? null : from, moved, encodeRow(schema, after, version, false)];
    }
    return null;
  }

  private write(text: string): [number, number] {
    const start = this.at;
    this.at += this.slab.write(text, start, 'utf8');
    this.slab[this.at++] = 0x0a;
    return [start, this.at];
  }
}

/** A row's values by name (an image decoded by zongji). */
function values(row: SourceRow | null): Record<string, unknown> | null {
  return row instanceof ImageRow ? row.decode() : row;
}
