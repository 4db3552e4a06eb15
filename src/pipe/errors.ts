/**
 * An error the pipe cannot retry its way out of: bad configuration, a
 * missing table, a source set up wrongly. Activities turn it into a
 * non-retryable failure, so the workflow reports it at once.
 */
export class PipeValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipeValidationError';
  }
}

/** The type name of PipeValidationError once it crosses Temporal. */
export const VALIDATION_ERROR_TYPE = 'PipeValidationError';

/** The message of the innermost cause: an activity's own words under Temporal's wrappers. */
export function deepestMessage(err: unknown): string {
  let e: unknown = err;
  while (e && typeof e === 'object' && 'cause' in e && (e as { cause?: unknown }).cause) {
    e = (e as { cause: unknown }).cause;
  }
  return e instanceof Error ? e.message : String(e);
}
