import {
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  uuid4,
} from '@temporalio/workflow';
import type { PullChangesResult } from '../contract/activity-io.js';
import { shadowStoppedSignal } from '../contract/messages.js';
import type { PipeRunCarryOver, PipeWorkflowFunction, PipeWorkflowResult } from '../contract/workflow-io.js';
import { historyLong, packCarryOver } from './carry-over.js';
import { parsePipeConfig } from '../pipe/config.js';
import { emptyTableStats, type BinlogPosition } from '../pipe/status.js';
import { recordCdcBatch } from '../pipe/status-updates.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { positionReached } from '../pipe/version.js';
import { digest } from '../pipe/digest.js';
import { cdcActivities } from './activity-options.js';
import type { PipeRun } from './pipe-run.js';
import { prepareAndLoad } from './snapshot.js';
import { followDdl, reloadTables } from './schema-changes.js';

/** Patch id: a CDC batch reads its targets by query, not from its input. */
const TARGETS_BY_QUERY = 'cdc-targets-by-query';

/** Patch id: the run continues as new while waits for a position are pending (their callers ask again). */
const CONTINUE_UNDER_WAITS = 'continue-under-waits';

/** Patch id: a run that should continue as new lets a handler that is finishing (a shadow just begun) finish first. */
const RENEW_AFTER_HANDLERS = 'renew-after-handlers';

/** Patch id: a batch the pipe cancelled counts as cancelled however it ended. */
const CANCELLED_BATCH_ANY_END = 'cancelled-batch-any-end';

/** Patch id: each position waited for ends a batch; a wait for one before the batch in flight ends cuts it (see pullBatch). */
const WAITS_END_BATCHES = 'waits-end-batches';

/** Batches per run before continue-as-new, well below history limits. */
const BATCHES_PER_RUN = 500;

/**
 * Running: CDC batch after batch from `from`, each committed only once
 * ClickHouse has it; between batches, work asked for is done (tables added,
 * a resync's shadows started or swapped in), a pause waits, a drain ends the
 * pipe at its position, and the run continues as new before its history
 * grows large.
 */
export async function runCdc(pipe: PipeRun, schemas: TableSchema[], from: BinlogPosition, changed: Record<string, string> = {}): Promise<PipeWorkflowResult> {
  const tables = pipe.startCdc(schemas, from);
  await reloadChanged(pipe, changed);
  for (let batch = 0; ; batch++) {
    if (pipe.drainTo && positionReached(pipe.position!, pipe.drainTo)) return { status: 'Dropped' };
    // Waits for a position (a resync's, a validation's) do not hold the run back: a long online resync would otherwise grow its history without end.
    const nothingAsked = () => pipe.tablesToAdd.length === 0 && pipe.jobs.length === 0 && !pipe.drainTo;
    const renew = batch >= BATCHES_PER_RUN || historyLong();
    // A handler whose work between batches just ended finishes after this point; with one such
    // request after another (an online resync begins a shadow per table), the run would never be idle here.
    if (renew && nothingAsked() && pipe.busy > 0 && patched(RENEW_AFTER_HANDLERS)) await condition(() => pipe.busy === 0 || !nothingAsked());
    const idle = nothingAsked() && (patched(CONTINUE_UNDER_WAITS) ? pipe.busy === 0 : allHandlersFinished());
    if (renew && idle) {
      return continueAsNew<PipeWorkflowFunction>({ config: pipe.config }, packCarryOver({ carryOver: pipe.carryOverState()! } satisfies PipeRunCarryOver));
    }
    // Work asked for between batches goes first, paused or not.
    const job = pipe.jobs.shift();
    if (job) {
      await job();
      continue;
    }
    await pipe.controls.whilePaused(() => pipe.drainTo !== null || pipe.jobs.length > 0);
    if (pipe.controls.paused && pipe.jobs.length > 0) continue;
    if (pipe.tablesToAdd.length > 0 && !pipe.drainTo) {
      const added = await addTables(pipe, tables.schemas);
      tables.schemas = added.schemas;
      await reloadChanged(pipe, added.changed);
      continue;
    }
    const result = await pipe.controls.step(pipe.cdcStatus, () => pullBatch(pipe));
    if (!result) continue;
    pipe.position = result.position;
    tables.committed(result.position);
    recordCdcBatch(pipe.view, result, new Date());
    for (const [table, reason] of Object.entries(result.stopped ?? {})) await stopTarget(pipe, table, reason);
    if (result.ddl) await followDdl(pipe, result.ddl);
    const reload = [...(result.reload ?? []), ...(pipe.config.settings.schemaChanges.autoResync ? Object.keys(result.stopped ?? {}) : [])];
    if (reload.length > 0) await reloadTables(pipe, [...new Set(reload)].filter((t) => tables.stopped[t]));
  }
}

/**
 * Tables whose definition changed under their load: what was loaded is not
 * the table now, and the binlog before the change does not fit the new
 * definition. Each stops and is loaded again, online, as of a position
 * after the change.
 */
async function reloadChanged(pipe: PipeRun, changed: Record<string, string>): Promise<void> {
  const names = Object.keys(changed);
  if (names.length === 0) return;
  for (const [table, reason] of Object.entries(changed)) pipe.tables!.stop(table, `${reason}; it is loaded again`, new Date());
  await reloadTables(pipe, names);
}

/**
 * A target the binlog showed cannot be followed exactly any more: a live
 * table stops (the others go on); a resync's shadow ends, and the resync is
 * told, so that it loads the table again from its new definition.
 */
async function stopTarget(pipe: PipeRun, table: string, reason: string): Promise<void> {
  const tables = pipe.tables!;
  const shadow = tables.shadowOf(table);
  // (A shadow swapped in or ended since the batch began is no longer a target.)
  if (!shadow) return tables.schemas.some((s) => s.table === table) ? tables.stop(table, reason, new Date()) : undefined;
  tables.endShadow(shadow.table);
  await getExternalWorkflowHandle(shadow.shadow.resync).signal(shadowStoppedSignal, { table: shadow.table, reason }).catch(() => undefined);
}

/**
 * One batch. A pause, new tables, a drain or work between batches cancel the
 * batch in flight; nothing it read is committed, so the next batch starts
 * again from the same position (null is returned). A batch with a position
 * to reach runs to it.
 */
async function pullBatch(pipe: PipeRun): Promise<PullChangesResult | null> {
  const { config } = pipe;
  let done = false;
  const exact = patched(WAITS_END_BATCHES);
  const stopAt = pipe.nextStop(exact);
  const scope = new CancellationScope();
  // The targets go by query (see cdcTargetsQuery); old histories sent them in the input.
  const targets = pipe.tables!.targets();
  const byQuery = patched(TARGETS_BY_QUERY);
  const pull = scope
    .run(() =>
      cdcActivities(config.settings.syncIntervalSeconds).pullChanges({
        pipe: config.name,
        source: config.source,
        destinationDatabase: config.destination.database,
        ...(byQuery ? { targetsDigest: digest(targets) } : { targets }),
        from: pipe.position!,
        syncIntervalMs: config.settings.syncIntervalSeconds * 1000,
        pullBatchSize: config.settings.pullBatchSize,
        stopAt: stopAt ?? undefined,
      }),
    )
    .finally(() => {
      done = true;
    });
  // Awaited below, or dropped with a drop's cancellation.
  pull.catch(() => undefined);
  // A batch that ran past a position someone waits for (a validation reading ClickHouse "as of" it)
  // would keep only the last change of a key changed on both sides of it: that reading would show an
  // older row. So each such position ends a batch, and a wait for one before the end of the batch in
  // flight cuts it.
  const waited = () => {
    const next = exact ? pipe.nextStop(true) : null;
    return next !== null && (stopAt === null || !positionReached(next, stopAt));
  };
  await condition(() => done || (!stopAt && pipe.interrupted) || (stopAt !== null && pipe.jobs.length > 0) || waited());
  const cancelled = !done;
  if (cancelled) scope.cancel();
  try {
    return await pull;
  } catch (err) {
    // Cancelled by the pipe: nothing it read is committed, whatever ended it (its worker may have died
    // meanwhile, and the batch then ends by a heartbeat timeout instead of acknowledging the cancellation).
    if ((isCancellation(err) || (cancelled && patched(CANCELLED_BATCH_ANY_END))) && (pipe.interrupted || pipe.jobs.length > 0 || waited())) return null;
    throw err;
  }
}

/**
 * Loads newly added tables between two CDC batches, then CDC goes on from
 * where it was, now with them. Their snapshot rows carry the version of the
 * position recorded before their load, so replaying the binlog from the
 * earlier CDC position over them is harmless.
 */
async function addTables(pipe: PipeRun, schemas: TableSchema[]): Promise<{ schemas: TableSchema[]; changed: Record<string, string> }> {
  const adding = pipe.tablesToAdd;
  for (const t of adding) pipe.view.tables[t.name] = emptyTableStats();
  const prepared = await prepareAndLoad(pipe.controls, {
    config: { ...pipe.config, tables: adding },
    tableSuffix: '',
    replaceTables: false,
    loadId: uuid4(),
    // Their binlog retention was checked (or waived) when they were accepted.
    skipRetentionCheck: true,
  });
  // CDC goes on from before their schemas were read: their earlier DDL is in those schemas.
  pipe.tables!.schemasReadAt(prepared.schemas.map((s) => s.table), prepared.schemaAt);
  pipe.config = parsePipeConfig({ ...pipe.config, tables: [...pipe.config.tables, ...adding] });
  pipe.tablesToAdd = pipe.tablesToAdd.slice(adding.length);
  return { schemas: [...schemas, ...prepared.schemas], changed: prepared.changed };
}
