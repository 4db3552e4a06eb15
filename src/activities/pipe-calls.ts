import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { beginShadowsUpdate, beginShadowUpdate, catchUpUpdate, holdUpdate, swapShadowsUpdate, type ShadowRequest, type ShadowStart } from '../contract/messages.js';
import type { SwapOutcome } from '../contract/workflow-io.js';
import type { TableConfig } from '../pipe/config.js';
import { PipeValidationError, deepestMessage } from '../pipe/errors.js';
import { pipeWorkflowId } from '../pipe/names.js';
import { digest } from '../pipe/digest.js';
import type { BinlogPosition } from '../pipe/status.js';
import type { ActivityDeps } from './deps.js';

/*
 * An online resync (or a validation) asks its pipe (a running workflow) to
 * do what only the pipe may do, the one CDC writer: start a shadow, reach a
 * position, swap shadows in. Each is an update with an id of its own
 * (unique to the caller's run: `run`, or the shadow's marker), so a retried
 * call is answered once; a refusal (a table already being resynced, a pipe
 * that is gone) fails the call for good.
 */

type PipeHandle = ReturnType<ActivityDeps['temporal']['workflow']['getHandle']>;

/** The server's failure for an update accepted by a run that then ended (continued as new, or the pipe ended). */
const OUTLIVED_RUN = 'AcceptedUpdateCompletedWorkflow';

/**
 * What a failed update to the pipe means: refused for good (a failure marked
 * not to be retried), a passing fault (asked again), the run ended under it
 * (continued as new, or the pipe is gone), or something else.
 */
export function updateFailureKind(err: unknown): 'refused' | 'fault' | 'run-ended' | 'other' {
  if (err instanceof WorkflowUpdateFailedError) {
    let failure: ApplicationFailure | null = null;
    for (let e: unknown = err.cause; e instanceof Error && !failure; e = (e as { cause?: unknown }).cause) {
      if (e instanceof ApplicationFailure) failure = e;
    }
    if (failure?.type === OUTLIVED_RUN) return 'run-ended';
    return failure?.nonRetryable ? 'refused' : 'fault';
  }
  if (err instanceof WorkflowNotFoundError || /workflow execution already completed|continued as new|workflow.*completed/i.test(String(err))) return 'run-ended';
  return 'other';
}

/** Sends one update to the pipe's workflow; a refusal fails for good, a passing fault is asked again. */
async function callPipe<R>(deps: ActivityDeps, pipe: string, updateId: string, send: (h: PipeHandle) => Promise<R>): Promise<R> {
  try {
    return await send(deps.temporal.workflow.getHandle(pipeWorkflowId(pipe)));
  } catch (err) {
    switch (updateFailureKind(err)) {
      case 'refused':
        throw new PipeValidationError(deepestMessage(err));
      case 'fault':
        throw new Error(deepestMessage(err));
      case 'run-ended': {
        // Continued as new (asked again, the next run answers), or the pipe is gone.
        const next = await deps.temporal.workflow.getHandle(pipeWorkflowId(pipe)).describe().catch(() => null);
        if (next?.status.name === 'RUNNING') throw new Error(`pipe ${pipe} continued as new during ${updateId}; asked again`);
        throw new PipeValidationError(`pipe ${pipe} is not running (${updateId})`);
      }
      default:
        throw err;
    }
  }
}

/** Returns once the pipe has applied every change up to `position` (its next batch stops there); ends `caller`'s hold. */
export function pipeReached(deps: ActivityDeps, pipe: string, position: BinlogPosition, caller: string, options: { release?: boolean } = {}): Promise<void> {
  const updateId = `${caller}/catch-up/${position.file}:${position.pos}`;
  const args = { position, ...(options.release ? { release: caller } : {}) };
  return callPipe(deps, pipe, updateId, (h) => h.executeUpdate(catchUpUpdate, { args: [args], updateId }));
}

/** Returns once the pipe runs no batch, held until `pipeReached` releases `caller` or `seconds` pass (see holdUpdate). */
export function pipeHeld(deps: ActivityDeps, pipe: string, caller: string, seconds: number): Promise<void> {
  const updateId = `${caller}/hold`;
  return callPipe(deps, pipe, updateId, (h) => h.executeUpdate(holdUpdate, { args: [{ holder: caller, seconds }], updateId }));
}

export function pipeCallActivities(deps: ActivityDeps) {
  const call = <R>(pipe: string, updateId: string, send: (h: PipeHandle) => Promise<R>) => callPipe(deps, pipe, updateId, send);
  return {
    async beginShadow(input: { pipe: string; resync: string; table: TableConfig; marker: string; whole: boolean }): Promise<ShadowStart> {
      const { pipe, ...request } = input;
      const updateId = `begin/${input.marker}`;
      return call(pipe, updateId, (h) => h.executeUpdate(beginShadowUpdate, { args: [request], updateId }));
    },
    async beginShadows(input: { pipe: string; resync: string; shadows: ShadowRequest[]; whole: boolean }): Promise<ShadowStart[]> {
      const { pipe, ...request } = input;
      // (A digest of the markers: ids are limited in length.)
      const updateId = `begin/${digest(input.shadows.map((s) => s.marker))}`;
      return call(pipe, updateId, (h) => h.executeUpdate(beginShadowsUpdate, { args: [request], updateId }));
    },
    async catchUp(input: { pipe: string; resync: string; run: string; position: BinlogPosition }): Promise<void> {
      return pipeReached(deps, input.pipe, input.position, input.run);
    },
    async swapShadows(input: { pipe: string; resync: string; run: string; tables: string[] }): Promise<Record<string, SwapOutcome | 'ended'>> {
      // (A digest of the names: ids are limited in length, a pipe may have hundreds of tables.)
      const updateId = `${input.run}/swap/${digest(input.tables)}`;
      return call(input.pipe, updateId, (h) => h.executeUpdate(swapShadowsUpdate, { args: [{ resync: input.resync, tables: input.tables }], updateId }));
    },
  };
}
