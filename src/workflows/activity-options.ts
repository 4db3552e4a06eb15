import type { ActivityOptions } from '@temporalio/workflow';
import { VALIDATION_ERROR_TYPE } from '../pipe/errors.js';

/**
 * Checks and setup: a few quick retries for a passing fault; a validation
 * error (bad table, bad key, wrong password) fails at once, so the user sees it.
 */
export const SETUP_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  // Activities heartbeat every second: a dead worker's step is retried within 10 s.
  heartbeatTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '10 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [VALIDATION_ERROR_TYPE],
  },
};
