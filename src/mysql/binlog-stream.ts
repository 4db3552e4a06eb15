import ZongJi from '@vlasky/zongji';
import type { AnyBinlogEvent } from '@vlasky/zongji';
import type { ConnectionOptions } from 'mysql2';
import type { BinlogPosition } from '../pipe/status.js';
import type { CdcTarget } from '../contract/activity-io.js';
import { PipeValidationError } from '../pipe/errors.js';
import { BinlogEvents, type BinlogItem } from './binlog-events.js';

export type { BinlogItem, ChangeKind, Commit, RowChange, TableDdl, TableStop } from './binlog-events.js';

export interface BinlogStreamOptions {
  connection: ConnectionOptions;
  serverId: number;
  database: string;
  /** Where the replicated tables' changes go, as the destination holds them. */
  targets: CdcTarget[];
  from: BinlogPosition;
}

/** Items queued before the reader stops reading, and where it starts again. */
const HIGH_WATER = 20_000;
const LOW_WATER = 5_000;

/**
 * The source's binlog from a position, as row changes, commit points and
 * stopped tables (see binlog-events.ts), read with @vlasky/zongji (exact
 * types, transaction-safe resume positions). Items queue until `next()`
 * takes them; reading pauses while too many wait.
 */
export class BinlogStream {
  private readonly zongji: ZongJi;
  private readonly events: BinlogEvents;
  private readonly queue: BinlogItem[] = [];
  private head = 0;
  private waiter: (() => void) | null = null;
  private failure: Error | null = null;
  private paused = false;

  /** When the last event arrived (ms since the epoch). */
  lastEventAt = Date.now();

  constructor(private readonly options: BinlogStreamOptions) {
    this.events = new BinlogEvents(options.database, options.targets, options.from, (item) => this.push(item));
    this.zongji = new ZongJi({ ...options.connection, dateStrings: true, timezone: 'Z' });
    // GEOMETRY as stored bytes, as the initial load reads it (see patches/).
    (this.zongji as unknown as { geometryAsBuffer: boolean }).geometryAsBuffer = true;
    this.zongji.on('binlog', (evt: AnyBinlogEvent) => this.onEvent(evt));
    this.zongji.on('error', (err: Error & { errno?: number }) => {
      // ER_MASTER_FATAL_ERROR_READING_BINLOG: the position is gone (purged
      // binlog, a reset server). Retrying cannot help; a resync can.
      this.fail(
        err.errno === 1236
          ? new PipeValidationError(
              `the source's binlog no longer holds position ${options.from.file}:${options.from.pos} (purged, or the server was reset): ` +
                `changes since then cannot be read; resync the pipe (server said: ${err.message})`,
            )
          : err,
      );
    });
  }

  start(): void {
    this.zongji.start({
      serverId: this.options.serverId,
      filename: this.options.from.file,
      position: this.options.from.pos,
      // Besides rows and commits: the events between transactions, so the
      // resume point is seen to move through rotations and idle stretches;
      // statements and XA events, which change tables without row events.
      includeEvents: [
        'rotate', 'format', 'tablemap', 'writerows', 'updaterows', 'deleterows', 'xid', 'query',
        'mariadbgtid', 'xaprepare', 'mariadbgtidlist', 'binlogcheckpoint', 'previousgtids', 'heartbeat',
      ],
      includeSchema: { [this.options.database]: [...new Set(this.options.targets.map((t) => t.source))] },
    });
  }

  private onEvent(evt: AnyBinlogEvent): void {
    this.lastEventAt = Date.now();
    if (this.failure) return;
    // zongji moves its resume point only at transaction ends.
    const opts = this.zongji.options as { filename?: string; position?: number };
    const resume = opts.filename && opts.position !== undefined ? { file: opts.filename, pos: opts.position } : null;
    try {
      this.events.handle(evt, resume);
    } catch (err) {
      this.fail(err as Error);
    }
  }

  private fail(err: Error): void {
    this.failure = err;
    this.wake();
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

  private connection(): { pause(): void; resume(): void } | null {
    return (this.zongji as unknown as { connection: { pause(): void; resume(): void } | null }).connection;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

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
