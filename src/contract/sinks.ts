import type { Sinks } from '@temporalio/workflow';
import type { PipeStatus } from '../pipe/status.js';

/**
 * What workflows tell the worker they run on, outside their history (not
 * replayed): a pipe's status for the worker's metrics.
 */
export interface PipeSinks extends Sinks {
  pipeState: {
    /** The pipe shows `status` now; null: it has ended. */
    changed(pipe: string, status: PipeStatus | null): void;
  };
}
