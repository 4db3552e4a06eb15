import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { beginShadowUpdate, catchUpUpdate, swapShadowsUpdate, type ShadowStart } from '../contract/messages.js';
import type { SwapOutcome } from '../contract/workflow-io.js';
import type { TableConfig } from '../pipe/config.js';
import { PipeValidationError, deepestMessage } from '../pipe/errors.js';
import { pipeWorkflowId } from '../pipe/names.js';
import type { BinlogPosition } from '../pipe/status.js';
import type { ActivityDeps } from './deps.js';

/**
 * An online resync asks its pipe (a running workflow) to do what only the
 * pipe may do, the one CDC writer: start a shadow, reach a position, swap
 * shadows in. Each is an update with an id of its own (unique to the
 * resync's run: `run`, or the shadow's marker), so a retried call is
 * answered once; a refusal (a table already being resynced, a pipe that is
 * gone) fails the call for good.
 */
/** Whether a failed update was refused (a failure marked not to be retried) rather than failed by a passing fault. */
function refusal(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ApplicationFailure && e.nonRetryable) return true;
  }
  return false;
}

export function pipeCallActivities(deps: ActivityDeps) {
  async function call<R>(pipe: string, updateId: string, send: (h: ReturnType<ActivityDeps['temporal']['workflow']['getHandle']>) => Promise<R>): Promise<R> {
    try {
      return await send(deps.temporal.workflow.getHandle(pipeWorkflowId(pipe)));
    } catch (err) {
      // A refusal fails for good; a step that failed inside the pipe (a passing fault) is asked again.
      if (err instanceof WorkflowUpdateFailedError) {
        if (refusal(err)) throw new PipeValidationError(deepestMessage(err));
        throw new Error(deepestMessage(err));
      }
      if (err instanceof WorkflowNotFoundError || /workflow execution already completed/i.test(String(err))) {
        throw new PipeValidationError(`pipe ${pipe} is not running (${updateId})`);
      }
      throw err;
    }
  }
  return {
    async beginShadow(input: { pipe: string; resync: string; table: TableConfig; marker: string; whole: boolean }): Promise<ShadowStart> {
      const { pipe, ...request } = input;
      const updateId = `begin/${input.marker}`;
      return call(pipe, updateId, (h) => h.executeUpdate(beginShadowUpdate, { args: [request], updateId }));
    },
    async catchUp(input: { pipe: string; resync: string; run: string; position: BinlogPosition }): Promise<void> {
      const updateId = `${input.run}/catch-up/${input.position.file}:${input.position.pos}`;
      return call(input.pipe, updateId, (h) => h.executeUpdate(catchUpUpdate, { args: [{ position: input.position }], updateId }));
    },
    async swapShadows(input: { pipe: string; resync: string; run: string; tables: string[] }): Promise<Record<string, SwapOutcome | 'ended'>> {
      const updateId = `${input.run}/swap/${input.tables.join(',')}`;
      return call(input.pipe, updateId, (h) => h.executeUpdate(swapShadowsUpdate, { args: [{ resync: input.resync, tables: input.tables }], updateId }));
    },
  };
}
