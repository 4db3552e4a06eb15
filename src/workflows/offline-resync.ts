import { continueAsNew, patched, setHandler, uuid4 } from '@temporalio/workflow';
import { configQuery } from '../contract/messages.js';
import type { OfflineResyncCarryOver, ResyncTableResult, ResyncWorkflowFunction, ResyncWorkflowResult } from '../contract/workflow-io.js';
import type { ResyncRequest } from '../pipe/resync-options.js';
import type { PipeConfig } from '../pipe/config.js';
import { initialView, type BinlogPosition } from '../pipe/status.js';
import { RESYNC_SUFFIX } from '../pipe/names.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { packCarryOver } from './carry-over.js';
import { PipeControls, SEARCH_ATTRIBUTES } from './controls.js';
import { setupActivities, stepActivities, stopActivities } from './activity-options.js';
import { prepareAndLoadInRuns } from './snapshot.js';
import { carrySoftDeletesOf } from './carried-deletes.js';


/** Patch id: the pipe drains CDC to a recorded position before the load. */
const DRAIN_BEFORE_RESYNC = 'drain-before-resync';


/**
 * An offline resync (the whole pipe):
 * 1. stop the pipe at a safe point (it drains CDC to a recorded position P);
 *    from here this workflow owns it and answers its status;
 * 2. CREATE OR REPLACE `<table>_resync` from the new schema, as of P;
 * 3. load them chunk by chunk (a crash resumes mid-chunk);
 * 4. carry soft-deleted rows over, swap each pair atomically, drop the old;
 * 5. start the pipe again, CDC from P.
 * A long load goes on in the workflow's next run (`carryOver`).
 */
export async function offlineResync(request: ResyncRequest, config: PipeConfig, carryOver?: OfflineResyncCarryOver): Promise<ResyncWorkflowResult> {
  // Statistics start afresh, as for a new pipe.
  const controls = new PipeControls(carryOver?.view ?? initialView(config, new Date()), carryOver?.paused);
  // While it holds the pipe, it answers for it.
  setHandler(configQuery, () => config);
  if (patched(SEARCH_ATTRIBUTES) && (await setupActivities.searchAttributesReady())) controls.makeSearchable();
  const results: Record<string, ResyncTableResult> = {};
  const outcome = await controls.untilDropped(() => reloadAndSwap(controls, config, results, carryOver));
  if (outcome !== 'Dropped' && 'load' in outcome) return continueAsNew<ResyncWorkflowFunction>(request, packCarryOver(outcome));
  return outcome === 'Dropped' ? { status: 'Dropped', tables: results } : outcome;
}

async function reloadAndSwap(
  controls: PipeControls,
  config: PipeConfig,
  results: Record<string, ResyncTableResult>,
  carryOver: OfflineResyncCarryOver | undefined,
): Promise<ResyncWorkflowResult | OfflineResyncCarryOver> {
  const drainTo = carryOver ? carryOver.drainTo : await stopPipe(controls, config);
  const marker = carryOver?.load.loadId ?? `resync ${uuid4()}`;
  const load = await prepareAndLoadInRuns(controls, {
    config,
    tableSuffix: RESYNC_SUFFIX,
    replaceTables: true,
    loadId: marker,
    comment: marker,
    position: config.cdc ? drainTo : undefined,
    resume: carryOver?.load,
  });
  if ('resume' in load) return { mode: 'offline', config, view: controls.view, paused: controls.paused, ...(drainTo ? { drainTo } : {}), load: load.resume };
  const { schemas, position, schemaAt, changed } = load;
  controls.view.cdc.position = position;
  // A table whose definition changed under the load keeps its old copy (stopped) until CDC loads it again.
  const loaded = schemas.filter((s) => !changed[s.table]);
  await controls.step('Resync', () => swapTables(controls, config.destination.database, loaded, marker, results));
  if (!position) {
    controls.setStatus('Completed');
    return { status: 'Completed', tables: results };
  }
  controls.setStatus('Running');
  await controls.step('Running', () => stepActivities.startPipe({ config, carryOver: { view: controls.view, schemas, position, paused: false, reload: changed, ...schemasReadAt(schemas, schemaAt) } }));
  return { status: 'Running', tables: results };
}

/**
 * One position splits the work exactly: the old pipe applies every change up
 * to it (so its tables hold every delete to carry over), the new tables are
 * loaded as of it, and CDC resumes from it. Returns it (undefined for a
 * resync started before drains existed, which records it later).
 */
async function stopPipe(controls: PipeControls, config: PipeConfig): Promise<BinlogPosition | undefined> {
  const pipe = config.name;
  if (!patched(DRAIN_BEFORE_RESYNC)) {
    await controls.step('Setup', () => stopActivities.stopPipe({ pipe }));
    return undefined;
  }
  const at = await controls.step('Setup', () => setupActivities.readSourcePosition(config));
  await controls.step('Setup', () => stopActivities.stopPipe({ pipe, drainTo: at }));
  return at;
}

/** Every table gets its soft deletes before any is swapped; then each pair is exchanged. */
async function swapTables(
  controls: PipeControls,
  database: string,
  schemas: TableSchema[],
  marker: string,
  results: Record<string, ResyncTableResult>,
): Promise<void> {
  const carried = await carrySoftDeletesOf(database, schemas.map((schema) => ({ schema, marker })), RESYNC_SUFFIX);
  for (const schema of schemas) {
    results[schema.table] = {
      rows: controls.view.tables[schema.table]?.initialLoad.rowsLoaded ?? 0,
      softDeletesCarried: carried.get(schema.table) ?? 0,
      swap: await stepActivities.swapTable({ database, schema, resyncSuffix: RESYNC_SUFFIX, marker }),
    };
  }
}

/** CDC restarts from before the schemas were read: their earlier DDL is in them already. */
function schemasReadAt(schemas: TableSchema[], at: BinlogPosition | null | undefined): { schemaFrom?: Record<string, BinlogPosition> } {
  return at ? { schemaFrom: Object.fromEntries(schemas.map((s) => [s.table, at])) } : {};
}
