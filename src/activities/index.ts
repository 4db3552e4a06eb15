import type { ActivityDeps } from './deps.js';
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
  return {
    preparePipe: preparePipeActivity(deps),
    validateSource: validateSourceActivity(deps),
    readSourcePosition: readSourcePositionActivity(deps),
    planTableChunks: planChunksActivity(deps),
    loadChunk: loadChunkActivity(deps),
    pullChanges: pullChangesActivity(deps),
    ...resyncTableActivities(deps),
    ...pipeControlActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
