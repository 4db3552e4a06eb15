import { CancelledFailure, Context } from '@temporalio/activity';
import { activityRetrySignal } from '../contract/messages.js';
import { DEFINITION_CHANGED_TYPE, deepestMessage, isPermanent, permanentFailure } from '../pipe/errors.js';
import type { ActivityDeps } from './deps.js';
import { keepAlive } from './keep-alive.js';
import { errorKind } from './error-kinds.js';
import { pipeLabel, pipeMetrics } from '../metrics/pipe-metrics.js';

/**
 * How an activity heartbeats: 'keep-alive' beats every second while it runs
 * (a step with no progress of its own), 'self' means it heartbeats its
 * progress itself (a chunk, a CDC batch).
 */
export type Heartbeats = 'keep-alive' | 'self';

/**
 * The one wrapper every activity gets:
 * - heartbeats, so the step of a worker that died moves to another within
 *   the heartbeat timeout (not at its start-to-close timeout);
 * - a permanent error (a refusal, a value that does not fit, a table that
 *   is gone: see error-kinds.ts) becomes a failure Temporal does not retry,
 *   so the workflow shows it at once;
 * - a failure Temporal will retry is first told to the workflow (best
 *   effort), so its status shows the error and counts the retries.
 */
export function activityWrapper(deps: ActivityDeps) {
  return <A extends unknown[], R>(body: (...args: A) => Promise<R>, heartbeats: Heartbeats = 'keep-alive') =>
    async (...args: A): Promise<R> => {
      const ctx = Context.current();
      const stop = heartbeats === 'keep-alive' ? keepAlive(ctx, () => undefined) : () => undefined;
      try {
        return await body(...args);
      } catch (err) {
        const kind = errorKind(err);
        if (kind === 'definition') throw permanentFailure(err, '', DEFINITION_CHANGED_TYPE);
        if (isPermanent(err) || kind === 'permanent') throw permanentFailure(err);
        if (!(err instanceof CancelledFailure) && !ctx.cancellationSignal.aborted) await reportRetry(deps, err, kind === 'transient');
        throw err;
      } finally {
        stop();
      }
    };
}

async function reportRetry(deps: ActivityDeps, err: unknown, transient: boolean): Promise<void> {
  const { workflowExecution, activityType, attempt } = Context.current().info;
  pipeMetrics.retries.inc({ pipe: pipeLabel(workflowExecution?.workflowId), activity: activityType });
  if (!workflowExecution) return;
  await deps.temporal.workflow
    .getHandle(workflowExecution.workflowId, workflowExecution.runId)
    .signal(activityRetrySignal, { activity: activityType, attempt, error: deepestMessage(err), transient })
    .catch(() => undefined);
}
