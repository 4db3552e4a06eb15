import { Context } from '@temporalio/activity';
import type { CdcTarget, PullChangesInput, PullChangesResult } from '../contract/activity-io.js';
import type { BinlogPosition } from '../pipe/status.js';
import { binlogServerId } from '../pipe/config.js';
import { positionReached } from '../pipe/version.js';
import type { TableDdl } from '../mysql/binlog-reader.js';
import { ChangeStream } from '../cdc/change-stream.js';
import { ChangeBatch } from '../cdc/change-batch.js';
import { WriteBehind } from '../cdc/write-behind.js';
import type { InsertBody } from '../clickhouse/insert-body.js';
import { StreamPool } from '../cdc/stream-pool.js';
import { cdcActivity } from '../cdc/cdc-activity.js';
import { insertColumns } from '../clickhouse/table-ddl.js';
import { dedupToken } from '../clickhouse/dedup-token.js';
import type { ActivityDeps } from './deps.js';
import { keepAlive } from './keep-alive.js';
import { crashPoint } from './crash-points.js';
import { cdcTargetsQuery } from '../contract/messages.js';
import { digest } from '../pipe/digest.js';
import { pipeWorkflowId } from '../pipe/names.js';
import { pipeMetrics } from '../metrics/pipe-metrics.js';

/** Rows held before a write, whatever the batch size (bounds memory for wide rows). */
const MAX_BATCH_CHARS = 64 * 1024 * 1024;

/** A draining stream this long without an event has delivered everything. */
const DRAIN_IDLE_MS = 2_000;

/**
 * A batch holding at least a tenth of the batch size ends once the binlog
 * has been quiet this long, not at its interval's end: a burst's (or a large
 * transaction's) last changes are applied at once. A trickle of changes
 * still waits for the interval, so it is not written one tiny insert a change.
 */
const QUIET_MS = 200;

const streams = new StreamPool();

/**
 * A batch's targets: the live tables, and the shadows of resyncs running
 * online, read from the pipe (checked against the digest the workflow
 * sent), or, from versions before that, from the input.
 */
async function targetsOf(deps: ActivityDeps, input: PullChangesInput): Promise<CdcTarget[] | null> {
  if (input.targetsDigest === undefined) return input.targets ?? (input.schemas ?? []).map((schema) => ({ source: schema.table, table: schema.table, schema }));
  const targets = await deps.temporal.workflow.getHandle(pipeWorkflowId(input.pipe)).query(cdcTargetsQuery);
  // Another answer: the pipe changed its targets since it asked (a resync ended meanwhile); null, and it asks again.
  return digest(targets) === input.targetsDigest ? targets : null;
}

/** A stream can be taken over by a batch of the same pipe, at the same position, with the same targets (schemas included: they are checked). */
const streamKey = (input: PullChangesInput, targets: CdcTarget[], at: BinlogPosition) =>
  JSON.stringify([input.pipe, input.source.database, targets, at.file, at.pos]);

/** A written batch, in the worker's metrics: changes by table and kind, the batch's duration, the lag. */
function recordBatch(pipe: string, counts: PullChangesResult['counts'], started: number, lagSeconds: number): void {
  for (const [table, c] of Object.entries(counts)) {
    for (const [kind, eventType] of [['inserted', 'insert'], ['updated', 'update'], ['deleted', 'delete']] as const) {
      if (c[kind]) pipeMetrics.fetchedEvents.inc({ pipe, table, event_type: eventType }, c[kind]);
    }
  }
  pipeMetrics.batches.inc({ pipe });
  pipeMetrics.batchSeconds.observe({ pipe }, (Date.now() - started) / 1000);
  pipeMetrics.lag.set({ pipe }, lagSeconds);
}

export function pullChangesActivity(deps: ActivityDeps) {
  /**
   * One CDC batch: reads the binlog from `from` until the pull batch size is
   * reached or the sync interval ends, at a transaction end, writes the
   * changes to ClickHouse and returns the position after them. The caller
   * commits that position only after this returns, so the offset follows the
   * data; a retry replays from `from`, which versions make harmless.
   */
  return async function pullChanges(input: PullChangesInput): Promise<PullChangesResult> {
    const ctx = Context.current();
    const targets = await targetsOf(deps, input);
    // Nothing read, nothing committed: the next batch starts from the same position with the pipe's targets now.
    if (!targets) return { position: input.from, changes: 0, counts: {} };
    const schemas = new Map(targets.map((t) => [t.table, t.schema]));
    const batch = new ChangeBatch(targets);
    const reused = streams.take(streamKey(input, targets, input.from));
    const stream =
      reused ??
      new ChangeStream({
        connection: deps.source.connectionOptions(input.source),
        serverId: binlogServerId(input.pipe, input.source.serverId),
        database: input.source.database,
        targets,
        from: input.from,
      });
    let kept = false;
    const writes = new WriteBehind();
    let committed = input.from;
    let uncommitted = 0;
    let changes = 0;
    const stopped: Record<string, string> = {};
    const reload: string[] = [];
    // A statement changing a table's definition ends the batch right after it, so that it is applied before the next row.
    let ddl: TableDdl | null = null;
    // Range of binlog events covered by the rows not yet written.
    let rangeStart: BinlogPosition = input.from;
    let rangeEnd = rangeStart;
    // The last change's end, kept apart from rangeEnd so that no object is made per change.
    let lastFile = rangeStart.file;
    let lastEnd = rangeStart.pos;
    // The source's time of the first commit holding changes: the longest any change of the batch waits.
    let firstChangeAt: number | null = null;

    const started = Date.now();
    /** Ends the batch at `committed`, leaving the stream open for the next one. */
    const finish = async (): Promise<PullChangesResult> => {
      await flush();
      await writes.settle();
      streams.keep(streamKey(input, targets, committed), stream);
      kept = true;
      recordBatch(input.pipe, batch.counts, started, changes > 0 && firstChangeAt !== null ? (Date.now() - firstChangeAt) / 1000 : 0);
      return {
        position: committed,
        changes,
        ...(firstChangeAt !== null ? { lagSeconds: Math.max(0, (Date.now() - firstChangeAt) / 1000) } : {}),
        counts: batch.counts,
        ...(Object.keys(stopped).length ? { stopped } : {}),
        ...(reload.length ? { reload } : {}),
        ...(ddl ? { ddl: { table: ddl.table, ddl: ddl.ddl, statement: ddl.statement, position: ddl.position } } : {}),
      };
    };
    const write = async (bodies: Map<string, InsertBody>, from: BinlogPosition, to: BinlogPosition) => {
      try {
        for (const [table, body] of bodies) {
          const token = dedupToken.cdc(input.pipe, table, from, to);
          await deps.destination.insert(input.destinationDatabase, table, insertColumns(schemas.get(table)!), body, token, { urgent: true });
          cdcActivity.wrote(input.syncIntervalMs);
          pipeMetrics.bytesWritten.inc({ pipe: input.pipe, table }, body.chars);
          // A batch written to a resync's shadow too, not yet committed.
          crashPoint(targets.some((t) => t.table === table && t.shadowFrom) ? 'shadow' : 'cdc');
        }
      } finally {
        for (const body of bodies.values()) body.discard();
      }
    };
    /** Starts writing the rows gathered so far (once the write before has ended); the batch reads on meanwhile. */
    const flush = async () => {
      if (lastFile !== rangeEnd.file || lastEnd !== rangeEnd.pos) rangeEnd = { file: lastFile, pos: lastEnd };
      const [from, to] = [rangeStart, rangeEnd];
      rangeStart = rangeEnd;
      // Bodies written to files as they are gathered: no copy of the rows is held to insert them.
      const bodies = batch.drain(() => deps.destination.largeBody());
      await writes.write(() => write(bodies, from, to));
    };

    const deadline = Date.now() + input.syncIntervalMs;
    const target = input.stopAt ?? null;
    // The target was the binlog's end when recorded: it is reached when the
    // resume point passes it, or when the stream has gone quiet after a
    // commit (everything before it was delivered; what lies between is not
    // row data).
    const reachedTarget = () =>
      target !== null &&
      (positionReached(committed, target) || (stream.pending === 0 && Date.now() - stream.lastEventAt >= DRAIN_IDLE_MS));
    const quietAfter = Math.max(1, Math.ceil(input.pullBatchSize / 10));
    const large = () => changes >= quietAfter;
    // Since the last item taken too: a stream paused while the batch was behind has read nothing meanwhile.
    let lastItemAt = Date.now();
    let overfull = false;
    const quiet = () => large() && stream.pending === 0 && Date.now() - Math.max(lastItemAt, stream.lastEventAt) >= QUIET_MS;
    if (!reused) stream.start();
    const stopKeepAlive = keepAlive(ctx, () => ({ committed }));
    try {
      for (;;) {
        ctx.cancellationSignal.throwIfAborted();
        if (reachedTarget() && uncommitted === 0) return await finish();
        const wait = target === null ? Math.max(0, Math.min(deadline - Date.now(), large() ? QUIET_MS : Infinity)) : DRAIN_IDLE_MS;
        // Items already received are taken without a promise each.
        const item = stream.take() ?? (await stream.next(Math.min(1_000, wait)));
        if (item) lastItemAt = Date.now();
        if (item?.kind === 'change') {
          batch.add(item);
          uncommitted++;
          changes++;
          lastFile = item.file;
          lastEnd = item.end;
        } else if (item?.kind === 'commit') {
          if (uncommitted > 0 && firstChangeAt === null && item.at) firstChangeAt = item.at;
          committed = item.position;
          uncommitted = 0;
          if (ddl) return await finish();
        } else if (item?.kind === 'stop') {
          // Its rows so far are exact and are written; none follow.
          stopped[item.table] = item.reason;
          if (item.reload) reload.push(item.table);
          batch.stop(item.table);
        } else if (item?.kind === 'ddl') {
          // Returned with its commit, never before it (a batch ending before it would read it again).
          ddl = item;
          uncommitted++;
        }
        const full = batch.size >= input.pullBatchSize || batch.chars >= MAX_BATCH_CHARS;
        // A drain does not stop at the interval: it must reach its position.
        const timeUp = (Date.now() >= deadline || quiet()) && target === null;
        if ((full || overfull || timeUp) && uncommitted === 0) return await finish();
        // Inside a transaction larger than a batch: write what we have to
        // keep memory bounded, and return at its end.
        if (full) {
          overfull = true;
          await flush();
        }
      }
    } finally {
      stopKeepAlive();
      // A batch that failed lets its write in flight end (it discards its files) before its stream goes.
      await writes.settle().catch(() => undefined);
      if (!kept) await stream.stop();
    }
  };
}
