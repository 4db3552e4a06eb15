import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PipeStatusView } from '../pipe/status.js';

/**
 * Every message a pipe workflow understands. Other services import these
 * definitions to signal or query a pipe (`pipe:<name>`).
 */

/** Stops reading at the next safe point (between CDC batches or chunks). */
export const pauseSignal = defineSignal('pause');
/** Continues a paused pipe, or retries the step a failed pipe stopped at. */
export const resumeSignal = defineSignal('resume');
/** Ends the pipe at a safe point; the destination tables stay. */
export const dropSignal = defineSignal('drop');
/** Status and statistics (see PipeStatusView). */
export const statusQuery = defineQuery<PipeStatusView>('status');
