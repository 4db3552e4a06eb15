import { ApplicationFailure } from '@temporalio/activity';
import { PipeValidationError, VALIDATION_ERROR_TYPE } from '../pipe/errors.js';

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
