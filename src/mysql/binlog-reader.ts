import ZongJi from '@vlasky/zongji';
import type { AnyBinlogEvent } from '@vlasky/zongji';
import type { ConnectionOptions } from 'mysql2';
import type { BinlogPosition } from '../pipe/status.js';
import type { CdcTarget } from '../contract/activity-io.js';
import { PipeValidationError } from '../pipe/errors.js';
import { BinlogEvents, type BinlogItem } from './binlog-events.js';

export type { BinlogItem, ChangeKind, Commit, RowChange, SourceRow, TableDdl, TableStop } from './binlog-events.js';

export interface BinlogReaderOptions {
  connection: ConnectionOptions;
  serverId: number;
  database: string;
  /** Where the replicated tables' changes go, as the destination holds them. */
  targets: CdcTarget[];
  from: BinlogPosition;
}

/**
 * The source's binlog from a position, as row changes, commit points and
 * stopped tables (see binlog-events.ts), read with @vlasky/zongji (exact
 * types, transaction-safe resume positions) and handed to `onItem` as they
 * are decoded; `onEvent` hears of every event, row data or not.
 */
export class BinlogReader {
  private readonly zongji: ZongJi;
  private readonly events: BinlogEvents;
  private failed = false;

  constructor(
    private readonly options: BinlogReaderOptions,
    onItem: (item: BinlogItem) => void,
    private readonly onFailure: (err: Error) => void,
    private readonly onEvent: () => void = () => undefined,
  ) {
    this.events = new BinlogEvents(options.database, options.targets, options.from, onItem);
    this.zongji = new ZongJi({ ...options.connection, dateStrings: true, timezone: 'Z' });
    // GEOMETRY as stored bytes, as the initial load reads it (see patches/).
    (this.zongji as unknown as { geometryAsBuffer: boolean }).geometryAsBuffer = true;
    // Rows events keep their row images as bytes (see row-image.ts and patches/).
    (this.zongji as unknown as { rowImages: boolean }).rowImages = true;
    this.zongji.on('binlog', (evt: AnyBinlogEvent) => this.handle(evt));
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

  private handle(evt: AnyBinlogEvent): void {
    this.onEvent();
    if (this.failed) return;
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
    if (this.failed) return;
    this.failed = true;
    this.onFailure(err);
  }

  private connection(): { pause(): void; resume(): void } | null {
    return (this.zongji as unknown as { connection: { pause(): void; resume(): void } | null }).connection;
  }

  /** Stops reading the socket (backpressure: memory stays bounded, little is read past a batch's end). */
  pause(): void {
    this.connection()?.pause();
  }

  resume(): void {
    this.connection()?.resume();
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
