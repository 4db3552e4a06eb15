import { ApplicationFailure } from '@temporalio/common';

/**
 * An error the pipe cannot retry its way out of: bad configuration, a
 * missing table, a source set up wrongly, a value its column cannot hold.
 * Code that knows nothing of Temporal throws it; the activity wrapper and
 * the workflows turn it into a failure Temporal does not retry.
 */
export class PipeValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipeValidationError';
  }
}

/** The source table changed under a load (a column gone or redefined): the table's load starts again from its new definition. */
export class SourceDefinitionChangedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceDefinitionChangedError';
  }
}

/** A configuration (or a request) with bad fields, each named with its problem. */
export class PipeConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid pipe configuration: ${problems.join('; ')}`);
    this.name = 'PipeConfigError';
  }
}

/** The type name of a permanent failure once it crosses Temporal. */
export const VALIDATION_ERROR_TYPE = 'PipeValidationError';

/** A permanent failure because the source table's definition changed under a load (a column or the table is gone). */
export const DEFINITION_CHANGED_TYPE = 'SourceDefinitionChanged';

/** Whether a failure (or one of its causes) says the source table's definition changed. */
export function definitionChanged(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ApplicationFailure && e.type === DEFINITION_CHANGED_TYPE) return true;
  }
  return false;
}

/** The message of the innermost cause: an activity's own words under Temporal's wrappers. */
export function deepestMessage(err: unknown): string {
  let e: unknown = err;
  while (e && typeof e === 'object' && 'cause' in e && (e as { cause?: unknown }).cause) {
    e = (e as { cause: unknown }).cause;
  }
  return e instanceof Error ? e.message : String(e);
}

/** What the user reads of an error: a configuration's problems joined, else the innermost message. */
export function userMessage(err: unknown): string {
  return err instanceof PipeConfigError ? err.problems.join('; ') : deepestMessage(err);
}

/**
 * The one way to fail for good, in activities and workflows alike: a
 * failure that Temporal does not retry, carrying the user's message (with
 * `prefix` in front, when given).
 */
export function permanentFailure(err: unknown, prefix = '', type = VALIDATION_ERROR_TYPE): ApplicationFailure {
  return ApplicationFailure.nonRetryable(prefix + userMessage(err), type);
}

/** Whether an error thrown by an activity body is permanent (no retry can help). */
export function isPermanent(err: unknown): boolean {
  return err instanceof PipeValidationError || err instanceof PipeConfigError || (err instanceof ApplicationFailure && err.nonRetryable === true);
}
