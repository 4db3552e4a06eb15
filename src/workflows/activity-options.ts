import type { ActivityOptions } from '@temporalio/workflow';
import { VALIDATION_ERROR_TYPE } from '../pipe/errors.js';

/**
 * Checks and setup: a few quick retries for a passing fault; a validation
 * error (bad table, bad key, wrong password) fails at once, so the user sees it.
 */
export const SETUP_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '10 seconds',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [VALIDATION_ERROR_TYPE],
  },
};
