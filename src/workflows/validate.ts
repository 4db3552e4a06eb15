import { getExternalWorkflowHandle, patched, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import { validationProgressQuery, validationResultSignal, validationResultsSignal, type ValidationProgress } from '../contract/messages.js';
import type { PipeTablesResult } from '../contract/activity-io.js';
import type { ValidateWorkflowResult } from '../contract/workflow-io.js';
import { permanentFailure, userMessage } from '../pipe/errors.js';
import { pipeWorkflowId } from '../pipe/names.js';
import type { TableValidation } from '../pipe/validation.js';
import { parseValidateRequest, type ParsedValidateRequest, type ValidateRequest } from '../pipe/validation.js';
import { setupActivities } from './activity-options.js';
import { validateTargets, type ValidationRun } from './table-validation.js';

/**
 * Validation (workflow id `validate:<pipe>`, or a schedule's): compares the
 * pipe's tables (all, or some) with the source by count and checksum, part
 * by part, and lists the keys that differ. The results go to the pipe's
 * status, where a repair finds them.
 */
export async function validateWorkflow(input: ValidateRequest): Promise<ValidateWorkflowResult> {
  const { request, pipe, run } = await startValidation(input);
  const tables: Record<string, TableValidation> = {};
  for (const [table, reason] of Object.entries(pipe.stopped)) {
    if (!request.tables || request.tables.includes(table)) tables[table] = skipped(run, reason);
  }
  const targets = pipe.schemas.filter((s) => !pipe.stopped[s.table] && (!request.tables || request.tables.includes(s.table)));
  Object.assign(tables, await validateTargets(run, targets.map((schema) => ({ schema, table: schema.table }))));
  await report(request.pipe, tables);
  return { tables };
}

/** The checked request, the pipe's tables, and a run that reports its progress to `validationProgress` queries. */
export async function startValidation(input: ValidateRequest): Promise<{ request: ParsedValidateRequest; pipe: PipeTablesResult; run: ValidationRun }> {
  let request: ParsedValidateRequest;
  let pipe: PipeTablesResult;
  try {
    request = parseValidateRequest(input);
    pipe = await setupActivities.readPipeTables(request.pipe);
  } catch (err) {
    throw permanentFailure(userMessage(err));
  }
  const known = new Set([...pipe.schemas.map((s) => s.table), ...Object.keys(pipe.stopped)]);
  const unknown = request.tables?.find((t) => !known.has(t));
  if (unknown) throw permanentFailure(`pipe ${request.pipe} has no table "${unknown}" (it has ${[...known].join(', ')})`);
  // Each part is compared as of a snapshot the pipe has reached: a pipe that does not move would never reach it.
  if (!pipe.following) {
    throw permanentFailure(`pipe ${request.pipe} is not following the binlog now (paused, failed or still loading): resume it, then validate`);
  }
  const progress: ValidationProgress = { partsDone: 0, partsTotal: 0, rowsCompared: 0, differingKeys: 0 };
  setHandler(validationProgressQuery, () => progress);
  const run: ValidationRun = {
    config: pipe.config,
    following: true,
    by: workflowInfo().workflowId,
    run: uuid4(),
    maxRowsPerSecond: request.maxRowsPerSecond,
    progress,
  };
  return { request, pipe, run };
}

function skipped(run: ValidationRun, reason: string): TableValidation {
  return { at: new Date().toISOString(), by: run.by, rowsCompared: 0, parts: 0, differingKeys: 0, differences: [], partsToRepair: [], skipped: `the pipe has stopped this table: ${reason}` };
}

/** Patch id: a validation's results go to the pipe in one signal (one a table took a workflow task each: 300 tables, 300 tasks). */
export const RESULTS_TOGETHER = 'validation-results-together';

/** Each table's validation, to the pipe's status. */
export async function report(pipe: string, tables: Record<string, TableValidation>): Promise<void> {
  const handle = getExternalWorkflowHandle(pipeWorkflowId(pipe));
  if (Object.keys(tables).length === 0) return;
  if (patched(RESULTS_TOGETHER)) return handle.signal(validationResultsSignal, { tables });
  for (const [table, validation] of Object.entries(tables)) await handle.signal(validationResultSignal, { table, validation });
}
