import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { SourceConfig } from '../mysql/connection-options.js';
import type { TableSchema } from '../pipe/table-schema.js';
import type { BinlogPosition, CdcStats } from '../pipe/status.js';
import { binlogServerId } from '../pipe/config.js';
import { positionReached } from '../pipe/version.js';
import { BinlogStream } from '../mysql/binlog-stream.js';
import { ChangeBatch } from '../cdc/change-batch.js';
import { insertColumns } from '../clickhouse/table-ddl.js';
import type { ActivityDeps } from './deps.js';
import { keepAlive } from './keep-alive.js';
import { failFastOnValidation } from './failures.js';
import { crashPoint } from './crash-points.js';

export interface PullChangesInput {
  pipe: string;
  source: SourceConfig;
  destinationDatabase: string;
  schemas: TableSchema[];
  from: BinlogPosition;
  syncIntervalMs: number;
  pullBatchSize: number;
  /** Read until this position (a drain before a resync), whatever the interval. */
  stopAt?: BinlogPosition;
}

export interface PullChangesResult {
  /** Every change before this position is in ClickHouse. */
  position: BinlogPosition;
  changes: number;
  counts: Record<string, CdcStats>;
}

const fmt = (p: { file: string; pos: number }) => `${p.file}:${p.pos}`;

/** Rows held before a write, whatever the batch size (bounds memory for wide rows). */
const MAX_BATCH_CHARS = 64 * 1024 * 1024;

/** A draining stream this long without an event has delivered everything. */
const DRAIN_IDLE_MS = 2_000;

/**
 * Streams left open after a batch, by the position they stand at: the next
 * batch of the same pipe on this worker reads on from there, without a new
 * connection and without reading again what the last one read ahead.
 */
const idleStreams = new Map<string, { stream: BinlogStream; timer: NodeJS.Timeout }>();
/** The next batch normally starts within milliseconds; past this, close. */
const IDLE_STREAM_MS = 10_000;

const streamKey = (input: PullChangesInput, at: { file: string; pos: number }) =>
  JSON.stringify([input.pipe, input.source.database, input.schemas.map((s) => s.table), at.file, at.pos]);

function takeIdleStream(key: string): BinlogStream | null {
  const idle = idleStreams.get(key);
  if (!idle) return null;
  idleStreams.delete(key);
  clearTimeout(idle.timer);
  if (idle.stream.healthy) return idle.stream;
  void idle.stream.stop();
  return null;
}

function keepIdleStream(key: string, stream: BinlogStream): void {
  const timer = setTimeout(() => {
    idleStreams.delete(key);
    void stream.stop();
  }, IDLE_STREAM_MS);
  timer.unref();
  idleStreams.set(key, { stream, timer });
}

export function pullChangesActivity(deps: ActivityDeps) {
  /**
   * One CDC batch: reads the binlog from `from` until the pull batch size is
   * reached or the sync interval ends, at a transaction end, writes the
   * changes to ClickHouse and returns the position after them. The caller
   * commits that position only after this returns, so the offset follows the
   * data; a retry replays from `from`, which versions make harmless.
   */
  return (input: PullChangesInput): Promise<PullChangesResult> => failFastOnValidation(() => pull(input));

  async function pull(input: PullChangesInput): Promise<PullChangesResult> {
    const ctx = Context.current();
    const schemas = new Map(input.schemas.map((s) => [s.table, s]));
    const batch = new ChangeBatch(input.schemas);
    const reused = takeIdleStream(streamKey(input, input.from));
    const stream =
      reused ??
      new BinlogStream({
        connection: deps.source.connectionOptions(input.source),
        serverId: binlogServerId(input.pipe, input.source.serverId),
        database: input.source.database,
        tables: input.schemas.map((s) => s.table),
        from: input.from,
      });
    let kept = false;
    /** Ends the batch at `committed`, leaving the stream open for the next one. */
    const finish = (): PullChangesResult => {
      keepIdleStream(streamKey(input, committed), stream);
      kept = true;
      return { position: committed, changes, counts: batch.counts };
    };
    let committed = input.from;
    let uncommitted = 0;
    let changes = 0;
    // Range of binlog events covered by the rows not yet written.
    let rangeStart = fmt(input.from);
    let rangeEnd = rangeStart;

    const flush = async () => {
      const tables = batch.drain();
      for (const [table, rows] of tables) {
        const schema = schemas.get(table)!;
        const token = createHash('sha256').update(`cdc:${input.pipe}:${table}:${rangeStart}-${rangeEnd}`).digest('hex');
        await deps.destination.insert(input.destinationDatabase, table, insertColumns(schema), rows, token);
        crashPoint('cdc');
      }
      rangeStart = rangeEnd;
    };

    const deadline = Date.now() + input.syncIntervalMs;
    const target = input.stopAt ?? null;
    // The target was the binlog's end when recorded: it is reached when the
    // resume point passes it, or when the stream has gone quiet after a
    // commit (everything before it was delivered; what lies between is not
    // row data).
    const reachedTarget = () =>
      target !== null &&
      (positionReached(committed, target) ||
        (stream.pending === 0 && Date.now() - stream.lastEventAt >= DRAIN_IDLE_MS));
    if (!reused) stream.start();
    const stopKeepAlive = keepAlive(ctx, () => ({ committed }));
    try {
      for (;;) {
        ctx.cancellationSignal.throwIfAborted();
        if (reachedTarget() && uncommitted === 0) {
          await flush();
          return finish();
        }
        const wait = target === null ? Math.max(0, deadline - Date.now()) : DRAIN_IDLE_MS;
        const item = await stream.next(Math.min(1_000, wait));
        if (item?.kind === 'change') {
          batch.add(item);
          uncommitted++;
          changes++;
          rangeEnd = `${item.file}:${item.end}`;
        } else if (item?.kind === 'commit') {
          committed = item.position;
          uncommitted = 0;
        }
        const full = batch.size >= input.pullBatchSize || batch.chars >= MAX_BATCH_CHARS;
        // A drain does not stop at the interval: it must reach its position.
        const timeUp = Date.now() >= deadline && target === null;
        if ((full || timeUp) && uncommitted === 0) {
          await flush();
          return finish();
        }
        // Inside a transaction larger than a batch: write what we have to
        // keep memory bounded, and return at its end.
        if (full) await flush();
      }
    } finally {
      stopKeepAlive();
      if (!kept) await stream.stop();
    }
  }
}
