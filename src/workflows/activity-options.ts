import { ActivityCancellationType, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { DEFINITION_CHANGED_TYPE, VALIDATION_ERROR_TYPE } from '../pipe/errors.js';

/**
 * Every activity's timeouts and retry policy, in one place. Every activity
 * heartbeats at least every second (see activities/activity-wrapper.ts), so
 * a 10 s heartbeat timeout moves the step of a dead worker on within 10 s.
 * A permanent failure (VALIDATION_ERROR_TYPE) is never retried.
 */

/** Checks and setup: a few quick retries for a passing fault; a refusal fails at once, so the user sees it. */
const SETUP: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 5, nonRetryableErrorTypes: [VALIDATION_ERROR_TYPE, DEFINITION_CHANGED_TYPE] },
};

/** Chunk planning and loading: retried until they succeed (a chunk resumes where it stopped). */
const LOAD: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
};

/** A resync's steps after the load (carry, swap, restart): retried until they succeed, unless refused. */
const STEP: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: [VALIDATION_ERROR_TYPE, DEFINITION_CHANGED_TYPE] },
};

/** Stopping the pipe waits for its drain, which may take a few batches. */
const STOP: ActivityOptions = {
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
};

/**
 * One CDC batch runs up to the sync interval, plus the time to write it.
 * Cancelled by a pause, which waits until the batch has stopped (nothing it
 * read is committed).
 */
function cdcOptions(syncIntervalSeconds: number): ActivityOptions {
  return {
    startToCloseTimeout: syncIntervalSeconds * 1000 + 30 * 60 * 1000,
    heartbeatTimeout: '10 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: [VALIDATION_ERROR_TYPE, DEFINITION_CHANGED_TYPE] },
  };
}

export const setupActivities = proxyActivities<Activities>(SETUP);
export const loadActivities = proxyActivities<Activities>(LOAD);
export const stepActivities = proxyActivities<Activities>(STEP);
export const stopActivities = proxyActivities<Activities>(STOP);
export const cdcActivities = (syncIntervalSeconds: number) => proxyActivities<Activities>(cdcOptions(syncIntervalSeconds));
