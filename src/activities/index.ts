import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps.js';
import { keepAlive } from './keep-alive.js';
import { reportingRetries } from './failures.js';
import { preparePipeActivity, readSourcePositionActivity, validateSourceActivity } from './prepare-pipe.js';
import { planChunksActivity } from './plan-chunks.js';
import { loadChunkActivity } from './load-chunk.js';
import { pullChangesActivity } from './pull-changes.js';
import { resyncTableActivities } from './resync-tables.js';
import { pipeControlActivities } from './pipe-control.js';

export type { ActivityDeps } from './deps.js';
export type { PreparePipeInput, PreparePipeResult } from './prepare-pipe.js';
export type { PlanChunksInput } from './plan-chunks.js';
export type { LoadChunkInput, LoadChunkResult, ChunkProgress } from './load-chunk.js';
export type { PullChangesInput, PullChangesResult } from './pull-changes.js';
export type { ResyncTableInput } from './resync-tables.js';

/** Builds the worker's activities around the connections it is given. */
export function createActivities(deps: ActivityDeps) {
  /** Failures that will be retried are reported to the workflow's status. */
  const reported =
    <A extends unknown[], R>(step: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      reportingRetries(deps, () => step(...args));
  /**
   * A step that records no progress of its own heartbeats while it runs, so
   * the step of a worker that died is retried within the heartbeat timeout
   * (not at its start-to-close timeout).
   */
  const heartbeating = <A extends unknown[], R>(step: (...args: A) => Promise<R>) =>
    reported(async (...args: A): Promise<R> => {
      const stop = keepAlive(Context.current(), () => undefined);
      try {
        return await step(...args);
      } finally {
        stop();
      }
    });
  const resync = resyncTableActivities(deps);
  const control = pipeControlActivities(deps);
  return {
    preparePipe: heartbeating(preparePipeActivity(deps)),
    validateSource: heartbeating(validateSourceActivity(deps)),
    readSourcePosition: heartbeating(readSourcePositionActivity(deps)),
    planTableChunks: heartbeating(planChunksActivity(deps)),
    // These heartbeat their progress themselves.
    loadChunk: reported(loadChunkActivity(deps)),
    pullChanges: reported(pullChangesActivity(deps)),
    carrySoftDeletes: heartbeating(resync.carrySoftDeletes),
    swapTable: heartbeating(resync.swapTable),
    readPipeConfig: heartbeating(control.readPipeConfig),
    reportToPipe: heartbeating(control.reportToPipe),
    stopPipe: control.stopPipe,
    startPipe: heartbeating(control.startPipe),
  };
}

export type Activities = ReturnType<typeof createActivities>;
