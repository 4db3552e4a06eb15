import { condition, continueAsNew, patched, setHandler, uuid4 } from '@temporalio/workflow';
import { dropSignal, statusQuery } from '../contract/messages.js';
import type { PipeRunCarryOver, PipeWorkflowFunction, PipeWorkflowInput, PipeWorkflowResult } from '../contract/workflow-io.js';
import { packCarryOver, unpackCarryOver } from './carry-over.js';
import { parsePipeConfig, type PipeConfigInput } from '../pipe/config.js';
import { PipeConfigError } from '../pipe/errors.js';
import { refusedView } from '../pipe/status.js';
import { runCdc } from './cdc-loop.js';
import { PipeRun } from './pipe-run.js';
import { SEARCH_ATTRIBUTES } from './controls.js';
import { registerShadowHandlers } from './shadow-handlers.js';
import { prepareAndLoadInRuns } from './snapshot.js';
import { setupActivities } from './activity-options.js';


/**
 * A pipe: Setup → Snapshot → Running (CDC) ⇄ Paused, Failed on an error that
 * retries cannot fix (resume retries the failed step). Deterministic: every
 * read and write happens in activities.
 */
export async function pipeWorkflow(given: PipeWorkflowInput, packedCarryOver?: Uint8Array): Promise<PipeWorkflowResult> {
  const input = packedCarryOver ? { ...given, ...unpackCarryOver<PipeRunCarryOver>(packedCarryOver) } : given;
  let pipe: PipeRun;
  try {
    pipe = new PipeRun(parsePipeConfig(input.config), input.carryOver, input.loading);
  } catch (err) {
    if (!(err instanceof PipeConfigError)) throw err;
    return showRefusal(input.config, err);
  }
  registerShadowHandlers(pipe);
  if (patched(SEARCH_ATTRIBUTES) && (await setupActivities.searchAttributesReady())) pipe.controls.makeSearchable();
  const outcome = await pipe.controls.untilDropped(() => run(pipe, input));
  if (outcome === 'Dropped') pipe.controls.announce(true);
  return outcome === 'Dropped' ? { status: 'Dropped' } : outcome;
}

async function run(pipe: PipeRun, input: PipeWorkflowInput): Promise<PipeWorkflowResult> {
  const { carryOver, force } = input;
  const start =
    carryOver ??
    (await prepareAndLoadInRuns(pipe.controls, { config: pipe.config, tableSuffix: '', replaceTables: false, loadId: uuid4(), skipRetentionCheck: force, resume: input.loading?.load }));
  if ('resume' in start) {
    // A long load goes on in a fresh history once the tables begun are loaded.
    await condition(() => pipe.busy === 0);
    const loading = { view: pipe.view, paused: pipe.controls.paused, load: start.resume, tablesToAdd: pipe.tablesToAdd };
    return continueAsNew<PipeWorkflowFunction>({ config: pipe.config, ...(force ? { force } : {}) }, packCarryOver({ loading } satisfies PipeRunCarryOver));
  }
  if (!carryOver) pipe.view.cdc.position = start.position;
  if (!pipe.config.cdc || !start.position) {
    pipe.controls.setStatus('Completed');
    return { status: 'Completed' };
  }
  return runCdc(pipe, start.schemas, start.position, 'changed' in start ? start.changed : carryOver?.reload);
}

/** A pipe started with a bad configuration shows Failed, saying why, until dropped. */
async function showRefusal(raw: PipeConfigInput, err: PipeConfigError): Promise<PipeWorkflowResult> {
  const view = refusedView(typeof raw?.name === 'string' ? raw.name : '?', err.message, new Date());
  let dropped = false;
  setHandler(statusQuery, () => view);
  setHandler(dropSignal, () => {
    dropped = true;
  });
  await condition(() => dropped);
  return { status: 'Dropped' };
}
