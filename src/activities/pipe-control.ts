import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { PipeConfig } from '../pipe/config.js';
import { VALIDATION_ERROR_TYPE } from '../pipe/errors.js';
import { pipeWorkflowId } from '../pipe/names.js';
import type { PipeCarryOver } from '../workflows/pipe.js';
import { configQuery, drainAndStopSignal, dropSignal, resyncRefusedSignal } from '../workflows/messages.js';
import type { BinlogPosition } from '../pipe/status.js';
import type { ActivityDeps } from './deps.js';
import { keepAlive } from './keep-alive.js';
import { crashPoint } from './crash-points.js';

/**
 * A resync's hold on the pipe's own workflow (`pipe:<name>`): read its
 * configuration, tell it why a resync was refused, stop it, and start it
 * again once the new tables are in place.
 */
export function pipeControlActivities(deps: ActivityDeps) {
  const handle = (pipe: string) => deps.temporal.workflow.getHandle(pipeWorkflowId(pipe));
  const isRunning = async (pipe: string) => {
    try {
      return (await handle(pipe).describe()).status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };
  return {
    async readPipeConfig(pipe: string): Promise<PipeConfig> {
      if (!(await isRunning(pipe))) {
        throw ApplicationFailure.nonRetryable(`no running pipe named "${pipe}"`, VALIDATION_ERROR_TYPE);
      }
      return handle(pipe).query(configQuery);
    },

    async reportToPipe(pipe: string, message: string): Promise<void> {
      if (await isRunning(pipe)) await handle(pipe).signal(resyncRefusedSignal, message);
    },

    /**
     * Asks the pipe to apply every change up to `drainTo` and end there (or
     * just end, when it is not following the binlog), and waits until it has.
     */
    async stopPipe(input: { pipe: string; drainTo?: BinlogPosition } | string): Promise<void> {
      // A bare name: a resync started before drains existed.
      const { pipe, drainTo } = typeof input === 'string' ? { pipe: input, drainTo: undefined } : input;
      if (!(await isRunning(pipe))) return;
      const h = handle(pipe);
      if (drainTo) await h.signal(drainAndStopSignal, drainTo);
      else await h.signal(dropSignal);
      const stopKeepAlive = keepAlive(Context.current(), () => undefined);
      try {
        await h.result();
      } finally {
        stopKeepAlive();
      }
    },

    /** Starts the pipe again, running CDC from where the resync's load began. */
    async startPipe(input: { config: PipeConfig; carryOver: PipeCarryOver }): Promise<void> {
      try {
        await deps.temporal.workflow.start('pipeWorkflow', {
          workflowId: pipeWorkflowId(input.config.name),
          taskQueue: Context.current().info.taskQueue,
          args: [input],
        });
      } catch (err) {
        // A retry after the start went through finds the pipe running.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      crashPoint('restart');
    },
  };
}
