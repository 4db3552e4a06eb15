import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PipeConfig, PipeConfigInput, TableConfig } from '../pipe/config.js';
import type { ResyncOptions } from '../pipe/resync-options.js';
import type { BinlogPosition, InitialLoadStats, PipeStatus, PipeStatusView } from '../pipe/status.js';
import type { TableSchema } from '../pipe/table-schema.js';
import type { TableValidation } from '../pipe/validation.js';
import type { CdcTarget } from './activity-io.js';
import type { SwapOutcome } from './workflow-io.js';

/**
 * Every message a pipe workflow (`pipe:<name>`) and a resync workflow
 * (`resync:<name>`) understand. Other services import these definitions to
 * signal, query or update a pipe.
 */

/** Stops reading at the next safe point (between CDC batches or chunks). */
export const pauseSignal = defineSignal('pause');
/** Continues a paused pipe, or retries the step a failed pipe stopped at. */
export const resumeSignal = defineSignal('resume');
/** Ends the pipe (or the resync) at a safe point; the destination tables stay. */
export const dropSignal = defineSignal('drop');
/**
 * Applies every change up to the position, then ends (a resync's safe
 * point: the old tables hold every delete up to where the new ones start).
 * A pipe that is not following the binlog just ends.
 */
export const drainAndStopSignal = defineSignal<[BinlogPosition]>('drainAndStop');
/** Status and statistics (see PipeStatusView). */
export const statusQuery = defineQuery<PipeStatusView>('status');
/** The pipe's configuration (no secrets: it names them). */
export const configQuery = defineQuery<PipeConfig>('config');
/**
 * Asks the pipe to resync: starts `resyncWorkflow` (`resync:<name>`, or
 * `resync:<name>:<tables>` for some tables), which validates first. Returns
 * the resync's workflow id; refused while a resync of the same tables runs.
 */
export const resyncUpdate = defineUpdate<string, [ResyncOptions]>('resync');
/** A resync refused before it changed anything; the pipe shows why. */
export const resyncRefusedSignal = defineSignal<[string]>('resyncRefused');
/**
 * Adds tables to a running pipe: checked first (the update fails with the
 * reason), then loaded between two CDC batches and followed by CDC. The
 * pipe's configuration keeps them (a resync reloads them too).
 */
export const addTablesUpdate = defineUpdate<void, [{ tables: PipeConfigInput['tables']; force?: boolean }]>('addTables');

/** An activity attempt failed and will be retried (shown in status: last error, retries). */
export interface ActivityRetry {
  activity: string;
  attempt: number;
  error: string;
  /** A network fault, an overloaded or restarting server: retried without limit. */
  transient?: boolean;
}
export const activityRetrySignal = defineSignal<[ActivityRetry]>('activityRetry');

/*
 * An online resync's conversation with the pipe it reloads (sent by its
 * activities, or as signals by the resync workflow): the pipe is the one
 * CDC writer, so it starts and ends the shadows, at batch boundaries.
 */

/** Where a table's shadow starts: its `_resync` table exists, with this schema, and takes every change past `position`. */
export interface ShadowStart {
  position: BinlogPosition;
  schema: TableSchema;
}
/**
 * Creates a table's shadow (`<table>_resync`, from the source's definition
 * now) and has CDC write it too from its start position on. Refused when
 * another resync is reloading the table.
 */
export const beginShadowUpdate = defineUpdate<ShadowStart, [{ resync: string; table: TableConfig; marker: string; whole: boolean }]>('beginShadow');
/** A table and the marker of its shadow, in a request to begin several. */
export interface ShadowRequest {
  table: TableConfig;
  marker: string;
}
/**
 * Several tables' shadows, begun between the same two batches (each start
 * waits for a batch to stop); the starts come back in the order asked. If
 * one table is refused, none is begun.
 */
export const beginShadowsUpdate = defineUpdate<ShadowStart[], [{ resync: string; shadows: ShadowRequest[]; whole: boolean }]>('beginShadows');
/** Returns once the pipe has applied every change up to `position` to the live tables (so they hold every delete to carry over). */
export const catchUpUpdate = defineUpdate<void, [{ position: BinlogPosition; release?: string }]>('catchUp');
/**
 * Returns once the pipe has stopped between two batches, and holds it there
 * until a catchUp names `holder` in `release` (its position then ends the
 * next batch) or `seconds` pass. A validation takes its snapshot meanwhile:
 * a batch that ran past the snapshot's position would keep only the last
 * change of a key changed on both sides of it, and ClickHouse read "as of"
 * the position would show an older row.
 */
export const holdUpdate = defineUpdate<void, [{ holder: string; seconds: number }]>('hold');
/**
 * Swaps the resync's loaded shadows in, between two batches; the pipe then
 * follows the new tables. A table whose shadow the pipe ended meanwhile (its
 * definition changed) is not swapped: 'ended', and the resync loads it again.
 */
export const swapShadowsUpdate = defineUpdate<Record<string, SwapOutcome | 'ended'>, [{ resync: string; tables: string[] }]>('swapShadows');
/** A resync tells its pipe how a table's load goes (Initial Load Stats, shown by the pipe). */
export const shadowProgressSignal = defineSignal<[{ resync: string; table: string; load: InitialLoadStats }]>('shadowProgress');
/** The same for several tables at once (a resync loading a group of shadows together). */
export const shadowsProgressSignal = defineSignal<[{ resync: string; loads: Record<string, InitialLoadStats> }]>('shadowsProgress');
/** A whole-pipe resync tells its pipe which of its steps it is in (the status users see), null when done. */
export const resyncPhaseSignal = defineSignal<[{ resync: string; phase: PipeStatus | null; error?: string }]>('resyncPhase');
/** A resync dropped or given up: its shadows are no longer written. */
export const resyncEndedSignal = defineSignal<[{ resync: string }]>('resyncEnded');
/** The pipe tells a resync that a table's shadow cannot be followed any more (its definition changed): that load starts again. */
export const shadowStoppedSignal = defineSignal<[{ table: string; reason: string }]>('shadowStopped');

/*
 * Validation (`validate:<pipe>`) and repair (`repair:<pipe>`).
 */

/** The pipe's live tables as CDC follows them, and those it has stopped (with the reason). */
export const tablesQuery = defineQuery<{ schemas: TableSchema[]; stopped: Record<string, string> }>('tables');
/** A table's validation ended (from a validation, a repair, or a resync checking a table before its swap): the pipe's status shows it. */
export const validationResultSignal = defineSignal<[{ table: string; validation: TableValidation }]>('validationResult');
/** The same for several tables at once: one signal for a validation's tables, not one each. */
export const validationResultsSignal = defineSignal<[{ tables: Record<string, TableValidation> }]>('validationResults');
/** How far a validation or repair is: parts compared of all, rows compared, keys found different so far. */
export interface ValidationProgress {
  partsDone: number;
  partsTotal: number;
  rowsCompared: number;
  differingKeys: number;
}
export const validationProgressQuery = defineQuery<ValidationProgress>('validationProgress');

/**
 * The targets the pipe's next CDC batch writes (live tables and shadows,
 * with their schemas). The batch's activity reads them by this query rather
 * than in its input: with hundreds of tables the schemas would make every
 * batch's history event large.
 */
export const cdcTargetsQuery = defineQuery<CdcTarget[]>('cdcTargets');
