/** Names shared by the worker, the workflows and every client. */
export const TASK_QUEUE = 'pipes';

/** A pipe's workflow id: one running pipe per name. */
export function pipeWorkflowId(pipe: string): string {
  return `pipe:${pipe}`;
}

/** The resync of a pipe: at most one at a time. */
export function resyncWorkflowId(pipe: string): string {
  return `resync:${pipe}`;
}

/** The pipe a workflow id belongs to (`pipe:<name>`, `resync:<name>`, `resync:<name>:<tables>`), or null. */
export function pipeOfWorkflowId(id: string): string | null {
  const m = /^(?:pipe|resync):([^:]+)/.exec(id);
  return m?.[1] ?? null;
}

/** Suffix of the tables a resync (or a pipe replacing old tables) loads before swapping them in. */
export const RESYNC_SUFFIX = '_resync';
