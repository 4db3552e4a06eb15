import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import { parsePipeConfig, PipeConfigError, type PipeConfig, type PipeConfigInput, type TableConfig } from '../pipe/config.js';
import { deepestMessage, VALIDATION_ERROR_TYPE } from '../pipe/errors.js';
import { resyncWorkflowId } from '../pipe/names.js';
import type { ResyncOptions } from '../pipe/resync-options.js';
import { emptyTableStats, type BinlogPosition, type PipeStatusView } from '../pipe/status.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { positionReached } from '../pipe/version.js';
import { SETUP_OPTIONS } from './activity-options.js';
import { PipeControls } from './controls.js';
import {
  addTablesUpdate,
  configQuery,
  drainAndStopSignal,
  dropSignal,
  resyncRefusedSignal,
  resyncUpdate,
  statusQuery,
} from './messages.js';
import { prepareAndLoad } from './snapshot.js';

const { validateSource } = proxyActivities<Activities>(SETUP_OPTIONS);

/** CDC state handed from one run to the next (continue-as-new, or a finished resync). */
export interface PipeCarryOver {
  view: PipeStatusView;
  schemas: TableSchema[];
  position: BinlogPosition;
  paused: boolean;
}

export interface PipeWorkflowInput {
  /** Validated again here, so a pipe started from the Temporal UI or CLI gets defaults too. */
  config: PipeConfigInput;
  /** Set when the pipe continues as new, or by a resync that hands it back; absent on create. */
  carryOver?: PipeCarryOver;
}

export interface PipeWorkflowResult {
  status: 'Dropped' | 'Completed';
}

/** Batches per run before continue-as-new, well below history limits. */
const BATCHES_PER_RUN = 500;

/** A pipe started with a bad configuration shows Failed, saying why, until dropped. */
async function refuseConfig(raw: PipeConfigInput, err: PipeConfigError): Promise<PipeWorkflowResult> {
  const view: PipeStatusView = {
    name: typeof raw?.name === 'string' ? raw.name : '?',
    status: 'Failed',
    recentStatuses: [{ status: 'Failed', at: new Date().toISOString() }],
    lastError: err.message,
    pauseRequested: false,
    tables: {},
    cdc: { enabled: false, batches: 0, lastBatchAt: null, position: null },
  };
  let dropped = false;
  setHandler(statusQuery, () => view);
  setHandler(dropSignal, () => {
    dropped = true;
  });
  await condition(() => dropped);
  return { status: 'Dropped' };
}

export function initialView(config: PipeConfig): PipeStatusView {
  return {
    name: config.name,
    status: 'Setup',
    recentStatuses: [{ status: 'Setup', at: new Date().toISOString() }],
    lastError: null,
    pauseRequested: false,
    tables: Object.fromEntries(config.tables.map((t) => [t.name, emptyTableStats()])),
    cdc: { enabled: config.cdc, batches: 0, lastBatchAt: null, position: null },
  };
}

/**
 * A pipe: Setup → Snapshot → Running (CDC) ⇄ Paused, Failed on an error that
 * retries cannot fix (resume retries the failed step). Deterministic: every
 * read and write happens in activities.
 */
export async function pipeWorkflow(input: PipeWorkflowInput): Promise<PipeWorkflowResult> {
  let config: PipeConfig;
  try {
    config = parsePipeConfig(input.config);
  } catch (err) {
    if (!(err instanceof PipeConfigError)) throw err;
    return refuseConfig(input.config, err);
  }
  const controls = new PipeControls(input.carryOver?.view ?? initialView(config), input.carryOver?.paused ?? false);
  const { view } = controls;

  setHandler(configQuery, () => config);

  // Set by drainAndStop: CDC applies everything up to here, then the pipe ends.
  let drainTo: BinlogPosition | null = null;
  let followingBinlog = false;
  setHandler(drainAndStopSignal, (position) => {
    if (followingBinlog && view.status !== 'Failed') drainTo = position;
    else controls.requestDrop();
  });

  // Tables accepted by addTables, loaded by the CDC loop at its next safe point.
  let tablesToAdd: TableConfig[] = [];
  setHandler(addTablesUpdate, async ({ tables }) => {
    let next: PipeConfig;
    try {
      next = parsePipeConfig({ ...config, tables: [...config.tables, ...tablesToAdd, ...tables] });
    } catch (err) {
      throw ApplicationFailure.nonRetryable(deepestMessage(err), VALIDATION_ERROR_TYPE);
    }
    const added = next.tables.slice(config.tables.length + tablesToAdd.length);
    try {
      await validateSource({ ...next, tables: added });
    } catch (err) {
      throw ApplicationFailure.nonRetryable(deepestMessage(err), VALIDATION_ERROR_TYPE);
    }
    tablesToAdd = [...tablesToAdd, ...added];
  });
  setHandler(resyncRefusedSignal, (message) => {
    view.lastError = message;
  });
  setHandler(
    resyncUpdate,
    async (options: ResyncOptions) => {
      const workflowId = resyncWorkflowId(config.name);
      try {
        await startChild('resyncWorkflow', {
          workflowId,
          args: [{ pipe: config.name, ...options }],
          // The resync stops this pipe, so it must outlive it.
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          throw ApplicationFailure.nonRetryable(`a resync of pipe ${config.name} is already running`);
        }
        throw err;
      }
      return workflowId;
    },
  );

  const { pullChanges } = proxyActivities<Activities>({
    startToCloseTimeout: config.settings.syncIntervalSeconds * 1000 + 30 * 60 * 1000,
    heartbeatTimeout: '10 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: [VALIDATION_ERROR_TYPE] },
  });

  async function run(): Promise<PipeWorkflowResult> {
    let schemas: TableSchema[];
    let position: BinlogPosition | null;
    if (input.carryOver) {
      ({ schemas, position } = input.carryOver);
    } else {
      ({ schemas, position } = await prepareAndLoad(controls, { config, tableSuffix: '', replaceTables: false, loadId: uuid4() }));
      view.cdc.position = position;
    }
    if (!config.cdc || !position) {
      controls.setStatus('Completed');
      return { status: 'Completed' };
    }
    return runCdc(schemas, position);
  }

  /**
   * Loads newly added tables between two CDC batches, then CDC goes on from
   * where it was, now with them. Their snapshot rows carry the version of the
   * position recorded before their load, so replaying the binlog from the
   * earlier CDC position over them is harmless.
   */
  async function addTables(schemas: TableSchema[]): Promise<TableSchema[]> {
    const adding = tablesToAdd;
    for (const t of adding) view.tables[t.name] = emptyTableStats();
    const prepared = await prepareAndLoad(controls, {
      config: { ...config, tables: adding },
      tableSuffix: '',
      replaceTables: false,
      loadId: uuid4(),
    });
    config = parsePipeConfig({ ...config, tables: [...config.tables, ...adding] });
    tablesToAdd = tablesToAdd.slice(adding.length);
    return [...schemas, ...prepared.schemas];
  }

  async function runCdc(initialSchemas: TableSchema[], from: BinlogPosition): Promise<PipeWorkflowResult> {
    let schemas = initialSchemas;
    let position = from;
    followingBinlog = true;
    for (let batch = 0; ; batch++) {
      if (drainTo && positionReached(position, drainTo)) return { status: 'Dropped' };
      if ((batch >= BATCHES_PER_RUN || workflowInfo().continueAsNewSuggested) && tablesToAdd.length === 0 && !drainTo) {
        // An addTables update still checking its tables finishes in this run.
        await condition(allHandlersFinished);
        return continueAsNew<typeof pipeWorkflow>({
          config,
          carryOver: { view, schemas, position, paused: controls.paused },
        });
      }
      await controls.whilePaused(() => drainTo !== null);
      if (tablesToAdd.length > 0 && !drainTo) {
        schemas = await addTables(schemas);
        continue;
      }
      const result = await controls.step('Running', async () => {
        // A pause cancels the batch in flight; nothing it read is committed,
        // so the next batch starts again from the same position.
        let done = false;
        const stopAt = drainTo;
        const scope = new CancellationScope();
        const pull = scope
          .run(() =>
            pullChanges({
              pipe: config.name,
              source: config.source,
              destinationDatabase: config.destination.database,
              schemas,
              from: position,
              syncIntervalMs: config.settings.syncIntervalSeconds * 1000,
              pullBatchSize: config.settings.pullBatchSize,
              stopAt: stopAt ?? undefined,
            }),
          )
          .finally(() => {
            done = true;
          });
        // A draining batch runs to its end; others give way to pause, new tables, a drain.
        await condition(() => done || (!stopAt && (controls.paused || tablesToAdd.length > 0 || drainTo !== null)));
        if (!done) scope.cancel();
        try {
          return await pull;
        } catch (err) {
          if (isCancellation(err) && (controls.paused || tablesToAdd.length > 0 || drainTo !== null)) return null;
          throw err;
        }
      });
      if (!result) continue;
      position = result.position;
      view.cdc.position = position;
      if (result.changes > 0) {
        view.cdc.batches++;
        view.cdc.lastBatchAt = new Date().toISOString();
        for (const [table, c] of Object.entries(result.counts)) {
          const t = view.tables[table]?.cdc;
          if (!t) continue;
          t.inserted += c.inserted;
          t.updated += c.updated;
          t.deleted += c.deleted;
        }
      }
    }
  }

  const outcome = await controls.untilDropped(run);
  return outcome === 'Dropped' ? { status: 'Dropped' } : outcome;
}
