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

/** A validation of a pipe's tables (a scheduled one gets the schedule's time appended). */
export function validateWorkflowId(pipe: string): string {
  return `validate:${pipe}`;
}

/** A repair of what the last validation found. */
export function repairWorkflowId(pipe: string): string {
  return `repair:${pipe}`;
}

/** The pipe a workflow id belongs to (`pipe:<name>`, `resync:<name>`, `resync:<name>:<tables>`), or null. */
export function pipeOfWorkflowId(id: string): string | null {
  const m = /^(?:pipe|resync):([^:]+)/.exec(id);
  return m?.[1] ?? null;
}

/** Suffix of the tables a resync (or a pipe replacing old tables) loads before swapping them in. */
export const RESYNC_SUFFIX = '_resync';
