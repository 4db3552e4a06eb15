import ZongJi from '@vlasky/zongji';
import type { AnyBinlogEvent } from '@vlasky/zongji';
import type { ConnectionOptions } from 'mysql2';
import type { BinlogPosition } from '../pipe/status.js';
import { PipeValidationError } from '../pipe/errors.js';

/** Whether a rows event's column bitmap names every one of the table's columns. */
function allColumnsPresent(bitmap: Buffer, columns: number): boolean {
  for (let i = 0; i < columns; i++) if (((bitmap[i >> 3] ?? 0) & (1 << (i & 7))) === 0) return false;
  return true;
}

export type ChangeKind = 'insert' | 'update' | 'delete';

export interface RowChange {
  kind: 'change';
  table: string;
  op: ChangeKind;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** Binlog file and end offset of the rows event (the version source). */
  file: string;
  end: number;
}

/** Every change before this point is committed; a safe place to resume. */
export interface Commit {
  kind: 'commit';
  position: BinlogPosition;
}

export type BinlogItem = RowChange | Commit;

export interface BinlogStreamOptions {
  connection: ConnectionOptions;
  serverId: number;
  database: string;
  tables: string[];
  from: BinlogPosition;
}

/** Items queued before the reader stops reading, and where it starts again. */
const HIGH_WATER = 20_000;
const LOW_WATER = 5_000;

/**
 * The source's binlog from a position, as row changes and commit points, read
 * with @vlasky/zongji (exact types, transaction-safe resume positions).
 * Items queue until `next()` takes them.
 */
export class BinlogStream {
  private readonly zongji: ZongJi;
  private readonly queue: BinlogItem[] = [];
  private head = 0;
  private waiter: (() => void) | null = null;
  private failure: Error | null = null;
  private currentFile: string;
  private lastCommit: BinlogPosition;

  constructor(private readonly options: BinlogStreamOptions) {
    this.currentFile = options.from.file;
    this.lastCommit = options.from;
    this.zongji = new ZongJi({ ...options.connection, dateStrings: true, timezone: 'Z' });
    // GEOMETRY as stored bytes, as the initial load reads it (see patches/).
    (this.zongji as unknown as { geometryAsBuffer: boolean }).geometryAsBuffer = true;
    this.zongji.on('binlog', (evt: AnyBinlogEvent) => this.onEvent(evt));
    this.zongji.on('error', (err: Error & { errno?: number }) => {
      // ER_MASTER_FATAL_ERROR_READING_BINLOG: the position is gone (purged
      // binlog, a reset server). Retrying cannot help; a resync can.
      this.failure =
        err.errno === 1236
          ? new PipeValidationError(
              `the source's binlog no longer holds position ${options.from.file}:${options.from.pos} (purged, or the server was reset): ` +
                `changes since then cannot be read; resync the pipe (server said: ${err.message})`,
            )
          : err;
      this.wake();
    });
  }

  start(): void {
    this.zongji.start({
      serverId: this.options.serverId,
      filename: this.options.from.file,
      position: this.options.from.pos,
      // Besides rows and commits, the events between transactions, so the
      // resume point is seen to move through rotations and idle stretches.
      includeEvents: [
        'rotate', 'format', 'tablemap', 'writerows', 'updaterows', 'deleterows', 'xid', 'query',
        'mariadbgtidlist', 'binlogcheckpoint', 'previousgtids', 'heartbeat',
      ],
      includeSchema: { [this.options.database]: this.options.tables },
    });
  }

  private onEvent(evt: AnyBinlogEvent): void {
    this.lastEventAt = Date.now();
    switch (evt.getEventName()) {
      case 'rotate':
        this.currentFile = (evt as Extract<AnyBinlogEvent, { binlogName: string }>).binlogName;
        break;
      case 'writerows':
      case 'updaterows':
      case 'deleterows':
        this.pushRows(evt);
        break;
    }
    // zongji moves its resume point only at transaction ends.
    const opts = this.zongji.options as { filename?: string; position?: number };
    if (opts.filename && opts.position !== undefined) {
      if (opts.filename !== this.lastCommit.file || opts.position !== this.lastCommit.pos) {
        this.lastCommit = { file: opts.filename, pos: opts.position };
        this.push({ kind: 'commit', position: this.lastCommit });
      }
    }
  }

  private pushRows(evt: AnyBinlogEvent): void {
    const e = evt as AnyBinlogEvent & {
      tableId: number;
      tableMap: Record<number, { tableName: string; parentSchema: string }>;
      rows: unknown[];
      numberOfColumns: number;
      columns_present_bitmap?: Buffer;
      columns_present_bitmap2?: Buffer;
    };
    const meta = e.tableMap[e.tableId];
    if (!meta || meta.parentSchema !== this.options.database) return;
    // A session with binlog_row_image=MINIMAL or NOBLOB leaves columns out of
    // its row images; the reader would show them as NULL.
    for (const bitmap of [e.columns_present_bitmap, e.columns_present_bitmap2]) {
      if (bitmap && !allColumnsPresent(bitmap, e.numberOfColumns)) {
        this.failure = new PipeValidationError(
          `the binlog holds a partial row image for table "${meta.tableName}" (a session wrote with binlog_row_image other than FULL); ` +
            'rows cannot be replicated exactly from it: set binlog_row_image=FULL for every writer, then resync the pipe',
        );
        this.wake();
        return;
      }
    }
    const name = evt.getEventName();
    for (const r of e.rows) {
      if (name === 'updaterows') {
        const u = r as { before: Record<string, unknown>; after: Record<string, unknown> };
        this.push({ kind: 'change', table: meta.tableName, op: 'update', before: u.before, after: u.after, file: this.currentFile, end: evt.nextPosition });
      } else {
        const row = r as Record<string, unknown>;
        const op = name === 'writerows' ? 'insert' : 'delete';
        this.push({
          kind: 'change',
          table: meta.tableName,
          op,
          before: op === 'delete' ? row : null,
          after: op === 'insert' ? row : null,
          file: this.currentFile,
          end: evt.nextPosition,
        });
      }
    }
  }

  private push(item: BinlogItem): void {
    this.queue.push(item);
    // Backpressure: stop reading the socket while the consumer is behind, so
    // memory stays bounded and little is read past the end of a batch.
    if (!this.paused && this.pending >= HIGH_WATER) {
      this.paused = true;
      this.connection()?.pause();
    }
    this.wake();
  }

  private paused = false;

  private connection(): { pause(): void; resume(): void } | null {
    return (this.zongji as unknown as { connection: { pause(): void; resume(): void } | null }).connection;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** When the last event arrived (ms since the epoch). */
  lastEventAt = Date.now();

  /** False once the reader has failed (a reused stream must not be). */
  get healthy(): boolean {
    return this.failure === null;
  }

  /** Items queued so far and not yet taken. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  /** The next item, or null when none arrives within `timeoutMs`. */
  async next(timeoutMs: number): Promise<BinlogItem | null> {
    if (this.failure) throw this.failure;
    if (this.head >= this.queue.length) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = null;
          resolve();
        }, Math.max(0, timeoutMs));
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (this.failure) throw this.failure;
    }
    if (this.head >= this.queue.length) return null;
    const item = this.queue[this.head++]!;
    if (this.paused && this.pending <= LOW_WATER) {
      this.paused = false;
      this.connection()?.resume();
    }
    if (this.head > 10_000 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return item;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2_000);
      this.zongji.once('stopped', () => {
        clearTimeout(timer);
        resolve();
      });
      this.zongji.stop();
    });
  }
}
