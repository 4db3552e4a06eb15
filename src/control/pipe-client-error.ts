import { WorkflowNotFoundError } from '@temporalio/client';

/** An error meant for the user as it is: one clear line. */
export class PipeClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipeClientError';
  }
}

export interface PipeClientOptions {
  address: string;
  namespace: string;
  taskQueue?: string;
}

/** "No such pipe" for an error that says the pipe's workflow is gone or never was; else null. */
export function noSuchPipe(err: unknown, name: string): PipeClientError | null {
  const gone =
    err instanceof WorkflowNotFoundError ||
    (err as { name?: string }).name === 'WorkflowNotFoundError' ||
    /workflow execution already completed|not found/i.test(err instanceof Error ? err.message : String(err));
  return gone ? new PipeClientError(`no running pipe named "${name}"`) : null;
}
