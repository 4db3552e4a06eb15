import {
  ActivityCancellationType,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { parsePipeConfig, PipeConfigError, type PipeConfig, type PipeConfigInput } from '../pipe/config.js';
import { VALIDATION_ERROR_TYPE } from '../pipe/errors.js';
import { emptyTableStats, type BinlogPosition, type PipeStatusView } from '../pipe/status.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { snapshotVersion } from '../pipe/version.js';
import { dropSignal, pauseSignal, resumeSignal, statusQuery } from './messages.js';
import { loadTables } from './snapshot.js';

const { preparePipe } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '10 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [VALIDATION_ERROR_TYPE],
  },
});

/** CDC state handed from one run to the next by continue-as-new. */
export interface PipeCarryOver {
  view: PipeStatusView;
  schemas: TableSchema[];
  position: BinlogPosition;
  paused: boolean;
}

export interface PipeWorkflowInput {
  /** Validated again here, so a pipe started from the Temporal UI or CLI gets defaults too. */
  config: PipeConfigInput;
  /** Set by the pipe itself when it continues as new; absent on create. */
  carryOver?: PipeCarryOver;
}

export interface PipeWorkflowResult {
  status: 'Dropped' | 'Completed';
}

/** Batches per run before continue-as-new, well below history limits. */
const BATCHES_PER_RUN = 500;

function failureMessage(err: unknown): string {
  let e: unknown = err;
  // The deepest cause holds the activity's own message.
  while (e && typeof e === 'object' && 'cause' in e && (e as { cause?: unknown }).cause) {
    e = (e as { cause: unknown }).cause;
  }
  return e instanceof Error ? e.message : String(e);
}

/** A pipe started with a bad configuration shows Failed, saying why, until dropped. */
async function refuseConfig(raw: PipeConfigInput, err: PipeConfigError): Promise<PipeWorkflowResult> {
  const name = typeof raw?.name === 'string' ? raw.name : '?';
  const view: PipeStatusView = {
    name,
    status: 'Failed',
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

function initialView(config: PipeConfig): PipeStatusView {
  return {
    name: config.name,
    status: 'Setup',
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
  const view = input.carryOver?.view ?? initialView(config);
  let paused = input.carryOver?.paused ?? false;
  let resumeRequested = false;
  let dropRequested = false;

  setHandler(statusQuery, () => view);
  setHandler(pauseSignal, () => {
    if (paused) return;
    paused = true;
    view.pauseRequested = true;
    if (view.status === 'Snapshot') view.status = 'Paused';
  });
  setHandler(resumeSignal, () => {
    resumeRequested = true;
    if (!paused) return;
    paused = false;
    view.pauseRequested = false;
  });
  setHandler(dropSignal, () => {
    dropRequested = true;
  });

  /** Runs a step; on failure shows Failed and waits for resume (retry) or drop. */
  async function step<T>(status: PipeStatusView['status'], body: () => Promise<T>): Promise<T> {
    for (;;) {
      view.status = paused && status !== 'Setup' ? 'Paused' : status;
      try {
        const result = await body();
        return result;
      } catch (err) {
        if (isCancellation(err)) throw err;
        view.status = 'Failed';
        view.lastError = failureMessage(err);
        resumeRequested = false;
        await condition(() => resumeRequested);
        paused = false;
        view.pauseRequested = false;
      }
    }
  }

  async function run(): Promise<PipeWorkflowResult> {
    let schemas: TableSchema[];
    let position: BinlogPosition | null;
    if (input.carryOver) {
      ({ schemas, position } = input.carryOver);
    } else {
      ({ schemas, position } = await step('Setup', () =>
        preparePipe({ config, tableSuffix: '', replaceTables: false }),
      ));
      view.cdc.position = position;
      await step('Snapshot', () =>
        loadTables({
          config,
          schemas,
          version: position ? snapshotVersion(position) : 0,
          loadId: uuid4(),
          tableSuffix: '',
          stats: view.tables,
          isPaused: () => paused,
        }),
      );
    }
    if (!config.cdc || !position) {
      view.status = 'Completed';
      return { status: 'Completed' };
    }
    return runCdc(schemas, position);
  }

  const { pullChanges } = proxyActivities<Activities>({
    startToCloseTimeout: config.settings.syncIntervalSeconds * 1000 + 30 * 60 * 1000,
    heartbeatTimeout: '20 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: [VALIDATION_ERROR_TYPE] },
  });

  async function runCdc(schemas: TableSchema[], from: BinlogPosition): Promise<PipeWorkflowResult> {
    let position = from;
    for (let batch = 0; ; batch++) {
      if (batch >= BATCHES_PER_RUN || workflowInfo().continueAsNewSuggested) {
        return continueAsNew<typeof pipeWorkflow>({ config, carryOver: { view, schemas, position, paused } });
      }
      if (paused) {
        view.status = 'Paused';
        view.pauseRequested = false;
        await condition(() => !paused);
      }
      const result = await step('Running', async () => {
        // A pause cancels the batch in flight; nothing it read is committed,
        // so the next batch starts again from the same position.
        let done = false;
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
            }),
          )
          .finally(() => {
            done = true;
          });
        await condition(() => done || paused);
        if (!done) scope.cancel();
        try {
          return await pull;
        } catch (err) {
          if (paused && isCancellation(err)) return null;
          throw err;
        }
      });
      if (!result) continue;
      position = result.position;
      view.cdc.position = position;
      view.lastError = null;
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

  // A drop cancels whatever runs; activities stop at their next heartbeat.
  const main = new CancellationScope();
  void condition(() => dropRequested).then(() => main.cancel());
  try {
    return await main.run(run);
  } catch (err) {
    if (dropRequested && isCancellation(err)) return { status: 'Dropped' };
    throw err;
  }
}
