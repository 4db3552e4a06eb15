import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { PipeValidationError, VALIDATION_ERROR_TYPE, deepestMessage } from '../pipe/errors.js';
import { activityRetrySignal } from '../workflows/messages.js';
import type { ActivityDeps } from './deps.js';

/** Runs an activity body, turning validation errors into non-retryable failures. */
export async function failFastOnValidation<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof PipeValidationError) {
      throw ApplicationFailure.nonRetryable(err.message, VALIDATION_ERROR_TYPE);
    }
    throw err;
  }
}

/**
 * Runs an activity body; a failure that Temporal will retry is first told to
 * the workflow that runs it (best effort), so its status shows the error and
 * counts the retries while the fault lasts.
 */
export async function reportingRetries<T>(deps: ActivityDeps, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const ctx = Context.current();
    const final =
      err instanceof PipeValidationError ||
      (err instanceof ApplicationFailure && err.nonRetryable) ||
      err instanceof CancelledFailure ||
      ctx.cancellationSignal.aborted;
    const { workflowExecution, activityType, attempt } = ctx.info;
    if (!final && workflowExecution) {
      await deps.temporal.workflow
        .getHandle(workflowExecution.workflowId, workflowExecution.runId)
        .signal(activityRetrySignal, { activity: activityType, attempt, error: deepestMessage(err) })
        .catch(() => undefined);
    }
    throw err;
  }
}
