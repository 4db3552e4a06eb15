import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { PipeConfig, PipeConfigInput } from '../pipe/config.js';
import type { ResyncOptions } from '../pipe/resync-options.js';
import type { BinlogPosition, PipeStatusView } from '../pipe/status.js';

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
 * Asks the pipe to resync: starts `resyncWorkflow` (`resync:<name>`), which
 * validates first and only then stops this pipe. Returns the resync's
 * workflow id; refused while a resync runs.
 */
export const resyncUpdate = defineUpdate<string, [ResyncOptions]>('resync');
/** A resync refused before it changed anything; the pipe shows why. */
export const resyncRefusedSignal = defineSignal<[string]>('resyncRefused');
/**
 * Adds tables to a running pipe: checked first (the update fails with the
 * reason), then loaded between two CDC batches and followed by CDC. The
 * pipe's configuration keeps them (a resync reloads them too).
 */
export const addTablesUpdate = defineUpdate<void, [{ tables: PipeConfigInput['tables'] }]>('addTables');

/** An activity attempt failed and will be retried (shown in status: last error, retries). */
export interface ActivityRetry {
  activity: string;
  attempt: number;
  error: string;
}
export const activityRetrySignal = defineSignal<[ActivityRetry]>('activityRetry');
