import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { PipeConfig } from './pipe/config.js';
import { pipeWorkflowId, TASK_QUEUE } from './pipe/names.js';
import type { PipeStatus, PipeStatusView } from './pipe/status.js';
import { dropSignal, pauseSignal, resumeSignal, statusQuery } from './workflows/messages.js';
import type { pipeWorkflow } from './workflows/pipe.js';

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

/**
 * Everything a user does to pipes, over Temporal: the CLI, the demo and the
 * tests all go through here.
 */
export class PipeClient {
  private constructor(
    private readonly connection: Connection,
    readonly temporal: Client,
    private readonly taskQueue: string,
  ) {}

  static async connect(opts: PipeClientOptions): Promise<PipeClient> {
    let connection: Connection;
    try {
      connection = await Connection.connect({ address: opts.address, connectTimeout: 5_000 });
      await connection.workflowService.describeNamespace({ namespace: opts.namespace });
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new PipeClientError(
        `cannot reach the Temporal server at ${opts.address} (namespace ${opts.namespace}): ${reason}. Is it running? Set TEMPORAL_ADDRESS to point elsewhere.`,
      );
    }
    const client = new Client({ connection, namespace: opts.namespace });
    return new PipeClient(connection, client, opts.taskQueue ?? TASK_QUEUE);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /** Starts a pipe; its name must be new. */
  async create(config: PipeConfig): Promise<void> {
    try {
      await this.temporal.workflow.start<typeof pipeWorkflow>('pipeWorkflow', {
        workflowId: pipeWorkflowId(config.name),
        taskQueue: this.taskQueue,
        args: [{ config }],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new PipeClientError(`a pipe named "${config.name}" already exists (drop it first, or choose another name)`);
      }
      throw err;
    }
  }

  private handle(name: string) {
    return this.temporal.workflow.getHandle(pipeWorkflowId(name));
  }

  /** Runs an operation on a running pipe, turning "not found" into a clear error. */
  private async onPipe<T>(name: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (err as { name?: string }).name === 'WorkflowNotFoundError') {
        throw new PipeClientError(`no running pipe named "${name}"`);
      }
      const msg = err instanceof Error ? err.message : String(err);
      if (/workflow execution already completed|not found/i.test(msg)) {
        throw new PipeClientError(`no running pipe named "${name}"`);
      }
      throw err;
    }
  }

  status(name: string): Promise<PipeStatusView> {
    return this.onPipe(name, async () => {
      const h = this.handle(name);
      // Closed workflows still answer queries; a dropped pipe is gone for users.
      const { status } = await h.describe();
      if (status.name !== 'RUNNING') throw new PipeClientError(`no running pipe named "${name}" (it ended: ${status.name.toLowerCase()})`);
      return h.query(statusQuery);
    });
  }

  pause(name: string): Promise<void> {
    return this.onPipe(name, () => this.handle(name).signal(pauseSignal));
  }

  resume(name: string): Promise<void> {
    return this.onPipe(name, () => this.handle(name).signal(resumeSignal));
  }

  /** Ends the pipe at a safe point and waits until it has ended. */
  async drop(name: string): Promise<void> {
    await this.onPipe(name, async () => {
      const h = this.handle(name);
      await h.signal(dropSignal);
      await h.result();
    });
  }

  /** Names of the running pipes, newest first. */
  async list(): Promise<string[]> {
    const names: string[] = [];
    for await (const wf of this.temporal.workflow.list({
      query: `WorkflowType = 'pipeWorkflow' AND ExecutionStatus = 'Running'`,
    })) {
      if (wf.workflowId.startsWith('pipe:')) names.push(wf.workflowId.slice('pipe:'.length));
    }
    return names;
  }

  /**
   * Waits until the pipe shows `status`. Resolves with the last status seen:
   * the wanted one, 'Failed' (when waiting for another), or the one it had
   * when time ran out.
   */
  async waitFor(
    name: string,
    status: PipeStatus,
    timeoutMs: number,
    onPoll?: (view: PipeStatusView) => void,
  ): Promise<{ reached: boolean; view: PipeStatusView }> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const view = await this.status(name);
      onPoll?.(view);
      if (view.status === status) return { reached: true, view };
      if (view.status === 'Failed' || Date.now() >= until) return { reached: false, view };
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
