import type { ActivityDeps } from './deps.js';
import { activityWrapper } from './activity-wrapper.js';
import { createTablesActivity, preparePipeActivity, prepareShadowActivity, readSourcePositionActivity, validateSourceActivity } from './prepare-pipe.js';
import { planChunksActivities } from './plan-chunks.js';
import { loadChunkActivities } from './load-chunk.js';
import { pullChangesActivity } from './pull-changes.js';
import { resyncTableActivities } from './resync-tables.js';
import { pipeControlActivities } from './pipe-control.js';
import { pipeCallActivities } from './pipe-calls.js';
import { binlogWatchActivity } from './binlog-watch.js';
import { applyDdlActivity } from './apply-ddl.js';
import { validationActivities } from './validate-parts.js';

export type { ActivityDeps } from './deps.js';

/** Builds the worker's activities around the connections it is given; each gets the same wrapper. */
export function createActivities(deps: ActivityDeps) {
  const wrap = activityWrapper(deps);
  const resync = resyncTableActivities(deps);
  const control = pipeControlActivities(deps);
  const calls = pipeCallActivities(deps);
  const validation = validationActivities(deps);
  const plans = planChunksActivities(deps);
  const loads = loadChunkActivities(deps);
  const shadows = prepareShadowActivity(deps);
  return {
    preparePipe: wrap(preparePipeActivity(deps)),
    createTables: wrap(createTablesActivity(deps)),
    validateSource: wrap(validateSourceActivity(deps)),
    readSourcePosition: wrap(readSourcePositionActivity(deps)),
    prepareShadow: wrap(shadows.prepareShadow),
    prepareShadows: wrap(shadows.prepareShadows),
    checkBinlogHolds: wrap(binlogWatchActivity(deps)),
    planTableChunks: wrap(plans.planTableChunks),
    planTablesChunks: wrap(plans.planTablesChunks),
    // These heartbeat their progress themselves.
    loadChunk: wrap(loads.loadChunk, 'self'),
    loadTables: wrap(loads.loadTables, 'self'),
    pullChanges: wrap(pullChangesActivity(deps), 'self'),
    applyDdl: wrap(applyDdlActivity(deps)),
    carrySoftDeletes: wrap(resync.carrySoftDeletes),
    carryTablesSoftDeletes: wrap(resync.carryTablesSoftDeletes),
    swapTable: wrap(resync.swapTable),
    swapTables: wrap(resync.swapTables),
    readPipeConfig: wrap(control.readPipeConfig),
    pipeFollowsBinlog: wrap(control.pipeFollowsBinlog),
    readPipeTables: wrap(control.readPipeTables),
    searchAttributesReady: wrap(control.searchAttributesReady),
    reportToPipe: wrap(control.reportToPipe),
    stopPipe: wrap(control.stopPipe),
    startPipe: wrap(control.startPipe),
    beginShadow: wrap(calls.beginShadow),
    beginShadows: wrap(calls.beginShadows),
    catchUp: wrap(calls.catchUp),
    swapShadows: wrap(calls.swapShadows),
    planValidation: wrap(validation.planValidation),
    planValidations: wrap(validation.planValidations),
    checksumSource: wrap(validation.checksumSource),
    checksumDestination: wrap(validation.checksumDestination),
    checksumSources: wrap(validation.checksumSources),
    checksumDestinations: wrap(validation.checksumDestinations),
    diffPart: wrap(validation.diffPart),
    repairPart: wrap(validation.repairPart),
  };
}

export type Activities = ReturnType<typeof createActivities>;
