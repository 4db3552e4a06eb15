import { ApplicationFailure, patched, proxyActivities, uuid4 } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { SwapOutcome } from '../clickhouse/exchange-tables.js';
import { PipeConfigError, type PipeConfig } from '../pipe/config.js';
import { deepestMessage, VALIDATION_ERROR_TYPE } from '../pipe/errors.js';
import { applyResyncOptions, parseResyncRequest, type ResyncRequest } from '../pipe/resync-options.js';
import type { BinlogPosition } from '../pipe/status.js';
import { PipeControls } from './controls.js';
import { SETUP_OPTIONS } from './activity-options.js';
import { initialView } from './pipe.js';
import { prepareAndLoad } from './snapshot.js';

/** Patch id: the pipe drains CDC to a recorded position before the load. */
const DRAIN_BEFORE_RESYNC = 'drain-before-resync';

/** Suffix of the tables a resync loads before swapping them in. */
export const RESYNC_SUFFIX = '_resync';

const checks = proxyActivities<Activities>(SETUP_OPTIONS);

const { stopPipe } = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

const steps = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  // Every step heartbeats: a dead worker's step is retried within 10 s.
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: [VALIDATION_ERROR_TYPE] },
});

export interface ResyncTableResult {
  rows: number;
  softDeletesCarried: number;
  swap: SwapOutcome;
}

export interface ResyncWorkflowResult {
  status: 'Running' | 'Completed' | 'Dropped';
  tables: Record<string, ResyncTableResult>;
}

/**
 * Resync (workflow id `resync:<pipe>`): reloads every table of a pipe from
 * the source into fresh tables and swaps them in.
 *
 * 1. Validate first (the pipe's configuration with the requested changes,
 *    the source's current schema). A refusal changes nothing: the pipe keeps
 *    running and shows why.
 * 2. Stop the pipe at a safe point; from here this workflow owns it and
 *    answers its status (Setup, Snapshot, Resync).
 * 3. CREATE OR REPLACE `<table>_resync` from the new schema, recording the
 *    binlog position before any row is read.
 * 4. Load them chunk by chunk (a crash resumes mid-chunk).
 * 5. Carry soft-deleted rows over, swap each pair atomically, drop the old.
 * 6. Start the pipe again, CDC from the position of step 3.
 */
export async function resyncWorkflow(input: ResyncRequest): Promise<ResyncWorkflowResult> {
  let request: ReturnType<typeof parseResyncRequest>;
  try {
    request = parseResyncRequest(input);
  } catch (err) {
    throw ApplicationFailure.nonRetryable(deepestMessage(err), VALIDATION_ERROR_TYPE);
  }
  const { pipe } = request;

  let config: PipeConfig;
  try {
    config = applyResyncOptions(await checks.readPipeConfig(pipe), request);
    await checks.validateSource(config);
  } catch (err) {
    const reason = err instanceof PipeConfigError ? err.problems.join('; ') : deepestMessage(err);
    await checks.reportToPipe(pipe, `resync refused: ${reason}`);
    throw ApplicationFailure.nonRetryable(`resync of pipe ${pipe} refused: ${reason}`, VALIDATION_ERROR_TYPE);
  }

  // Statistics start afresh, as for a new pipe.
  const controls = new PipeControls(initialView(config));
  const { view } = controls;
  const database = config.destination.database;
  const results: Record<string, ResyncTableResult> = {};

  const outcome = await controls.untilDropped(async (): Promise<ResyncWorkflowResult> => {
    // One position splits the work exactly: the old pipe applies every change
    // up to it (so its tables hold every delete to carry over), the new tables
    // are loaded as of it, and CDC resumes from it.
    let drainTo: BinlogPosition | undefined;
    if (patched(DRAIN_BEFORE_RESYNC)) {
      const at = await controls.step('Setup', () => checks.readSourcePosition(config));
      drainTo = at;
      await controls.step('Setup', () => stopPipe({ pipe, drainTo: at }));
    } else {
      // Resyncs started before drains existed: stop at once, record the position later.
      await controls.step('Setup', () => stopPipe({ pipe }));
    }
    const marker = `resync ${uuid4()}`;
    const { schemas, position } = await prepareAndLoad(controls, {
      config,
      tableSuffix: RESYNC_SUFFIX,
      replaceTables: true,
      loadId: marker,
      comment: marker,
      position: config.cdc ? drainTo : undefined,
    });
    view.cdc.position = position;

    await controls.step('Resync', async () => {
      // Every table gets its soft deletes before any is swapped.
      const carried = new Map<string, number>();
      for (const schema of schemas) {
        carried.set(schema.table, await steps.carrySoftDeletes({ database, schema, resyncSuffix: RESYNC_SUFFIX, marker }));
      }
      for (const schema of schemas) {
        results[schema.table] = {
          rows: view.tables[schema.table]?.initialLoad.rowsLoaded ?? 0,
          softDeletesCarried: carried.get(schema.table) ?? 0,
          swap: await steps.swapTable({ database, schema, resyncSuffix: RESYNC_SUFFIX, marker }),
        };
      }
    });

    if (!position) {
      controls.setStatus('Completed');
      return { status: 'Completed', tables: results };
    }
    controls.setStatus('Running');
    await controls.step('Running', () => steps.startPipe({ config, carryOver: { view, schemas, position, paused: false } }));
    return { status: 'Running', tables: results };
  });
  return outcome === 'Dropped' ? { status: 'Dropped', tables: results } : outcome;
}
