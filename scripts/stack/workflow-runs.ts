import type { Client, WorkflowHandle } from '@temporalio/client';

/** A run's history, as the client fetches it. */
export type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/** One run of a workflow (it continues as new), with its history. */
export interface WorkflowRun {
  startTime: Date;
  history: History;
}

/** Every run of the workflow `workflowId`, newest first, each with its history (the bench and the tests measure them). */
export async function* workflowRuns(client: Client, workflowId: string): AsyncGenerator<WorkflowRun> {
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    yield { startTime: run.startTime, history: await client.workflow.getHandle(workflowId, run.runId).fetchHistory() };
  }
}
