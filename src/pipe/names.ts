/** Names shared by the worker, the workflows and every client. */
export const TASK_QUEUE = 'pipes';

/** A pipe's workflow id: one running pipe per name. */
export function pipeWorkflowId(pipe: string): string {
  return `pipe:${pipe}`;
}
