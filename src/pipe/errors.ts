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
