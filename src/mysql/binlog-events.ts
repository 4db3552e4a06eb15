import type { AnyBinlogEvent } from '@vlasky/zongji';
import { PipeValidationError } from '../pipe/errors.js';
import type { CdcTarget } from '../contract/activity-io.js';
import type { BinlogPosition } from '../pipe/status.js';
import { touchedTables } from './statement-tables.js';
import { tableMapProblem, type BinlogColumn } from './table-map-check.js';
import { parseXaStatement, xaId, XaTransactions } from './xa-transactions.js';
import { versionAt } from '../pipe/version.js';
import { eventRows, type SourceRow } from './row-image.js';

export type { SourceRow } from './row-image.js';

export type ChangeKind = 'insert' | 'update' | 'delete';

export interface RowChange {
  kind: 'change';
  table: string;
  op: ChangeKind;
  before: SourceRow | null;
  after: SourceRow | null;
  /** Binlog file and end offset of the event that decides the row (its rows event, or an XA COMMIT): the version source. */
  file: string;
  end: number;
}

/** Every change before this point is committed; a safe place to resume. */
export interface Commit {
  kind: 'commit';
  position: BinlogPosition;
  /** When the source wrote it (ms since the epoch, to the second): how far behind the pipe is. */
  at?: number;
}

/** A target (destination table) the stream can no longer follow exactly, from `position` on. */
export interface TableStop {
  kind: 'stop';
  /** The destination table. */
  table: string;
  reason: string;
  position: BinlogPosition;
  /** Reloading the table brings it back (its rows were replaced: a cutover, a partition); not so for a dropped table. */
  reload?: boolean;
}

/**
 * A statement that changes a replicated table's definition (ALTER TABLE) or
 * empties it (TRUNCATE): the pipe applies it to ClickHouse before any row
 * written after it. Its commit follows at once; a batch ends there.
 */
export interface TableDdl {
  kind: 'ddl';
  /** The source table. */
  table: string;
  ddl: 'alter' | 'truncate';
  statement: string;
  /** The statement's end (a truncate's deletes take its version). */
  position: BinlogPosition;
}

export type BinlogItem = RowChange | Commit | TableStop | TableDdl;

type Event = AnyBinlogEvent & Record<string, unknown>;

/** Whether a rows event's column bitmap names every one of the table's columns. */
function allColumnsPresent(bitmap: Buffer, columns: number): boolean {
  for (let i = 0; i < columns; i++) if (((bitmap[i >> 3] ?? 0) & (1 << (i & 7))) === 0) return false;
  return true;
}

const STOP_REASONS = {
  'rows-replaced': 'rows left or entered the table without row events',
  'table-replaced': 'the table was dropped, renamed or replaced',
  'rows-by-statement': 'a session wrote it in STATEMENT format, so its changes are not row events',
} as const;

/**
 * Turns binlog events into items for one database's replicated tables: row
 * changes (XA transactions held until decided), commit points (never past an
 * undecided XA transaction), and tables that can no longer be followed
 * exactly (a shape the destination cannot hold, a TRUNCATE, a RENAME…).
 * A table stopped once yields no more rows.
 */
export class BinlogEvents {
  /** Targets by source table. */
  private readonly targets = new Map<string, CdcTarget[]>();
  /** Stopped targets, by destination table. */
  private readonly stopped = new Set<string>();
  private readonly xa = new XaTransactions<RowChange>();
  private file: string;
  private lastCommit: BinlogPosition;

  constructor(
    private readonly database: string,
    targets: CdcTarget[],
    from: BinlogPosition,
    private readonly emit: (item: BinlogItem) => void,
  ) {
    for (const t of targets) this.targets.set(t.source, [...(this.targets.get(t.source) ?? []), t]);
    this.file = from.file;
    this.lastCommit = from;
  }

  /** Handles one event; `resumePoint` is the reader's resume position after it (it moves at transaction ends). */
  handle(evt: AnyBinlogEvent, resumePoint: BinlogPosition | null): void {
    const e = evt as Event;
    switch (evt.getEventName()) {
      case 'rotate':
        this.file = String(e.binlogName);
        break;
      case 'mariadbgtid':
        if (e.preparedXa) this.xa.begin(xaId(e.xidGtrid as Buffer, e.xidBqual as Buffer, Number(e.xidFormatId)), this.lastCommit);
        break;
      case 'xaprepare':
        for (const row of this.xa.endPrepared(Boolean(e.onePhase))) this.emit({ ...row, file: this.file, end: evt.nextPosition });
        break;
      case 'query':
        this.onQuery(String(e.query), String(e.schema ?? ''), evt.nextPosition);
        break;
      case 'tablemap':
        this.onTableMap(e, evt.nextPosition);
        break;
      case 'writerows':
      case 'updaterows':
      case 'deleterows':
        this.onRows(e);
        break;
    }
    if (resumePoint && (resumePoint.file !== this.lastCommit.file || resumePoint.pos !== this.lastCommit.pos)) {
      this.lastCommit = resumePoint;
      this.emit({ kind: 'commit', position: this.xa.cap(resumePoint), at: (evt as { timestamp?: number }).timestamp });
    }
  }

  private stop(target: CdcTarget, reason: string, end: number, reload = false): void {
    if (this.stopped.has(target.table)) return;
    this.stopped.add(target.table);
    this.emit({ kind: 'stop', table: target.table, reason, position: { file: this.file, pos: end }, ...(reload ? { reload } : {}) });
  }

  /**
   * The targets of a source table still followed by an event ending at
   * `end`: a shadow only follows events past its start (what came before is
   * in its snapshot).
   */
  private live(source: string, end?: number): CdcTarget[] {
    const at = end === undefined ? null : versionAt(this.file, end);
    return (this.targets.get(source) ?? []).filter(
      (t) => !this.stopped.has(t.table) && (at === null || !t.shadowFrom || at > versionAt(t.shadowFrom.file, t.shadowFrom.pos)),
    );
  }

  /** Whether an event ending at `end` lies past the point where the target's schema was read (earlier ones are in it; their rows lose to the snapshot's version). */
  private pastSchema(t: CdcTarget, end: number): boolean {
    return !t.schemaFrom || versionAt(this.file, end) > versionAt(t.schemaFrom.file, t.schemaFrom.pos);
  }

  private onQuery(sql: string, schema: string, end: number): void {
    const xa = parseXaStatement(sql);
    if (xa?.verb === 'START' || xa?.verb === 'BEGIN') {
      this.xa.begin(xa.id, this.lastCommit);
    } else if (xa?.verb === 'COMMIT' || xa?.verb === 'ROLLBACK') {
      const rows = this.xa.decide(xa.id, xa.verb === 'COMMIT');
      if (rows === null && xa.verb === 'COMMIT') {
        // Only possible if the pipe started between its PREPARE and COMMIT.
        throw new PipeValidationError(
          `the binlog commits XA transaction ${xa.id} whose rows lie before the position this pipe read from: they cannot be applied; resync the pipe`,
        );
      }
      // Rows of a decided transaction take the version of its decision.
      for (const row of rows ?? []) this.emit({ ...row, file: this.file, end });
    }
    if (xa) return;
    for (const touch of touchedTables(sql, schema, this.database, new Set(this.targets.keys()))) {
      const truncate = /^\s*TRUNCATE\b/i.test(sql);
      for (const target of this.live(touch.table, end).filter((t) => this.pastSchema(t, end))) {
        // A resync's shadow was created with the definition of its start: any change of it restarts its load.
        if (target.shadowFrom) {
          this.stop(target, `the table's definition changed during its resync (${touch.summary})`, end);
        } else if (touch.effect === 'altered' || truncate) {
          this.emit({ kind: 'ddl', table: touch.table, ddl: truncate ? 'truncate' : 'alter', statement: sql, position: { file: this.file, pos: end } });
        } else {
          // Rows replaced without row events (a cutover, a partition): a reload of the table brings them; a dropped table stays stopped.
          const reload = !/^\s*DROP\b/i.test(sql) && touch.effect !== 'rows-by-statement';
          this.stop(target, `${STOP_REASONS[touch.effect]} (${touch.summary}); ${reload ? 'the pipe reloads the table (a resync of it)' : 'resync the table'}`, end, reload);
        }
      }
    }
  }

  private onTableMap(e: Event, end: number): void {
    // A transaction lies wholly before or after a shadow's start: its TABLE_MAP tells which.
    const targets = this.live(String(e.tableName), end);
    if (targets.length === 0 || e.schemaName !== this.database) return;
    const entry = (e.tableMap as Record<number, { columnSchemas?: Record<string, unknown>[] }>)[Number(e.tableId)];
    const columns: BinlogColumn[] = (entry?.columnSchemas ?? []).map((c) => ({
      name: String(c.COLUMN_NAME),
      columnType: String(c.COLUMN_TYPE),
      nullable: c.IS_NULLABLE === undefined ? undefined : c.IS_NULLABLE === 'YES',
    }));
    const pk = (e.primaryKey as number[] | undefined)?.map((i) => columns[i]?.name ?? `#${i}`);
    for (const target of targets.filter((t) => this.pastSchema(t, end))) {
      const problem = tableMapProblem(target.schema, columns, pk, Boolean(target.shadowFrom));
      if (problem) this.stop(target, `schema change needs a resync of table "${target.source}": ${problem}`, end);
    }
  }

  private onRows(e: Event): void {
    const meta = (e.tableMap as Record<number, { tableName: string; parentSchema: string }>)[Number(e.tableId)];
    if (!meta || meta.parentSchema !== this.database || this.live(meta.tableName).length === 0) return;
    // A session with binlog_row_image=MINIMAL or NOBLOB leaves columns out of
    // its row images; the reader would show them as NULL.
    for (const bitmap of [e.columns_present_bitmap, e.columns_present_bitmap2] as (Buffer | undefined)[]) {
      if (bitmap && !allColumnsPresent(bitmap, Number(e.numberOfColumns))) {
        throw new PipeValidationError(
          `the binlog holds a partial row image for table "${meta.tableName}" (a session wrote with binlog_row_image other than FULL); ` +
            'rows cannot be replicated exactly from it: set binlog_row_image=FULL for every writer, then resync the pipe',
        );
      }
    }
    const name = e.getEventName();
    const end = e.nextPosition;
    for (const [before, after] of eventRows(e, name === 'updaterows')) {
      let change: RowChange;
      if (name === 'updaterows') {
        change = { kind: 'change', table: meta.tableName, op: 'update', before, after, file: this.file, end };
      } else {
        const op = name === 'writerows' ? 'insert' : 'delete';
        change = { kind: 'change', table: meta.tableName, op, before: op === 'delete' ? before : null, after: op === 'insert' ? before : null, file: this.file, end };
      }
      if (this.xa.holding) this.xa.hold(change);
      else this.emit(change);
    }
  }
}
