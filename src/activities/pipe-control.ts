import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { PipeConfig } from '../pipe/config.js';
import { PipeValidationError } from '../pipe/errors.js';
import { pipeWorkflowId } from '../pipe/names.js';
import { configQuery, drainAndStopSignal, dropSignal, resyncRefusedSignal, statusQuery, tablesQuery } from '../contract/messages.js';
import type { PipeTablesResult, StartPipeInput, StopPipeInput } from '../contract/index.js';
import type { PipeStatusView } from '../pipe/status.js';
import { PIPE_SEARCH_ATTRIBUTES } from '../pipe/search-attributes.js';
import type { ActivityDeps } from './deps.js';
import { crashPoint } from './crash-points.js';

/**
 * A resync's hold on the pipe's own workflow (`pipe:<name>`): read its
 * configuration, tell it why a resync was refused, stop it, and start it
 * again once the new tables are in place.
 */
/** Whether CDC runs now: not paused, failed or still loading, and its batches do not fail. */
function followsBinlog(view: PipeStatusView): boolean {
  return view.cdc.position !== null && view.status !== 'Failed' && view.status !== 'Paused' && !view.pauseRequested && !view.cdc.failing;
}

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
      if (!(await isRunning(pipe))) throw new PipeValidationError(`no running pipe named "${pipe}"`);
      return handle(pipe).query(configQuery);
    },

    /**
     * Whether the pipe follows the binlog now (its CDC runs, not paused, its
     * batches do not fail): only then can a resync run online, the pipe
     * writing the new tables too. One that does not (Failed, Paused, still
     * loading, batches failing) is resynced offline, which rescues it.
     */
    async pipeFollowsBinlog(pipe: string): Promise<boolean> {
      if (!(await isRunning(pipe))) return false;
      return followsBinlog(await handle(pipe).query(statusQuery));
    },

    /** The pipe's configuration and live tables, for a validation or a repair. */
    async readPipeTables(pipe: string): Promise<PipeTablesResult> {
      if (!(await isRunning(pipe))) throw new PipeValidationError(`no running pipe named "${pipe}"`);
      const h = handle(pipe);
      const [config, tables, view] = await Promise.all([h.query(configQuery), h.query(tablesQuery), h.query(statusQuery)]);
      const partsToRepair = Object.fromEntries(
        Object.entries(view.tables).flatMap(([name, t]) => (t.validation?.partsToRepair.length ? [[name, t.validation.partsToRepair]] : [])),
      );
      return { config, ...tables, following: followsBinlog(view), partsToRepair };
    },

    /** Whether the namespace has the pipes' search attributes (a workflow setting an unknown one would fail). */
    async searchAttributesReady(): Promise<boolean> {
      try {
        const { customAttributes } = await deps.temporal.connection.operatorService.listSearchAttributes({ namespace: deps.temporal.options.namespace });
        return PIPE_SEARCH_ATTRIBUTES.every((a) => customAttributes?.[a.name] !== undefined);
      } catch {
        // A server (or a key) that does not let us ask: the pipes go without them.
        return false;
      }
    },

    async reportToPipe(pipe: string, message: string): Promise<void> {
      if (await isRunning(pipe)) await handle(pipe).signal(resyncRefusedSignal, message);
    },

    /**
     * Asks the pipe to apply every change up to `drainTo` and end there (or
     * just end, when it is not following the binlog), and waits until it has.
     */
    async stopPipe(input: StopPipeInput | string): Promise<void> {
      // A bare name: a resync started before drains existed.
      const { pipe, drainTo } = typeof input === 'string' ? { pipe: input, drainTo: undefined } : input;
      if (!(await isRunning(pipe))) return;
      const h = handle(pipe);
      if (drainTo) await h.signal(drainAndStopSignal, drainTo);
      else await h.signal(dropSignal);
      await h.result();
    },

    /** Starts the pipe again, running CDC from where the resync's load began. */
    async startPipe(input: StartPipeInput): Promise<void> {
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
