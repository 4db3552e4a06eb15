import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { PipeConfig } from './pipe/config.js';
import { pipeOfWorkflowId, pipeWorkflowId, resyncWorkflowId, TASK_QUEUE } from './pipe/names.js';
import type { ResyncOptions } from './pipe/resync-options.js';
import type { ResyncWorkflowResult, resyncWorkflow } from './workflows/resync.js';
import type { BinlogPosition, PipeStatus, PipeStatusView } from './pipe/status.js';
import { positionReached } from './pipe/version.js';
import { deepestMessage } from './pipe/errors.js';
import { addTablesUpdate, dropSignal, pauseSignal, resumeSignal, statusQuery } from './workflows/messages.js';
import type { PipeConfigInput } from './pipe/config.js';
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

  /**
   * The workflow that holds the pipe now: the pipe's own, or, while a resync
   * has it stopped, the resync's. Null when neither runs.
   */
  private async current(name: string) {
    return (await this.running(pipeWorkflowId(name))) ?? (await this.running(resyncWorkflowId(name)));
  }

  /** A handle on the workflow with this id if it is running, else null. */
  private async running(workflowId: string) {
    const h = this.temporal.workflow.getHandle(workflowId);
    try {
      return (await h.describe()).status.name === 'RUNNING' ? h : null;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
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

  private async currentOrFail(name: string) {
    const h = await this.current(name);
    if (!h) throw new PipeClientError(`no running pipe named "${name}"`);
    return h;
  }

  /** Closed workflows still answer queries, so only running ones are asked. */
  status(name: string): Promise<PipeStatusView> {
    return this.onPipe(name, async () => (await this.currentOrFail(name)).query(statusQuery));
  }

  pause(name: string): Promise<void> {
    return this.onPipe(name, async () => (await this.currentOrFail(name)).signal(pauseSignal));
  }

  resume(name: string): Promise<void> {
    return this.onPipe(name, async () => (await this.currentOrFail(name)).signal(resumeSignal));
  }

  /** Ends the pipe (or its resync) at a safe point and waits until it has ended. */
  async drop(name: string): Promise<void> {
    await this.onPipe(name, async () => {
      const h = await this.currentOrFail(name);
      await h.signal(dropSignal);
      await h.result();
    });
  }

  /**
   * Adds tables to a running pipe. Resolves once they are checked (a bad table
   * is refused with the reason); the pipe then loads them between two CDC
   * batches (status Snapshot) and follows them.
   */
  async addTables(name: string, tables: PipeConfigInput['tables']): Promise<void> {
    // Only the pipe's own workflow takes new tables (not a resync holding it).
    const h = await this.running(pipeWorkflowId(name));
    if (!h) throw new PipeClientError(`no running pipe named "${name}"`);
    try {
      await h.executeUpdate(addTablesUpdate, { args: [{ tables }] });
    } catch (err) {
      throw new PipeClientError(`tables not added: ${deepestMessage(err)}`);
    }
  }

  /**
   * Starts a resync (`resyncWorkflow`, id `resync:<name>`). It validates
   * before it stops the pipe; see waitForResync for its outcome.
   */
  async resync(name: string, options: ResyncOptions = {}): Promise<void> {
    try {
      await this.temporal.workflow.start<typeof resyncWorkflow>('resyncWorkflow', {
        workflowId: resyncWorkflowId(name),
        taskQueue: this.taskQueue,
        args: [{ pipe: name, ...options }],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        throw new PipeClientError(`a resync of pipe "${name}" is already running`);
      }
      throw err;
    }
  }

  /**
   * Follows a resync to its end: the pipe back in Running (or Completed),
   * calling `onPoll` with the status meanwhile. A refused resync, or one that
   * stopped at Failed (waiting for resume or drop), ends in a PipeClientError.
   */
  async waitForResync(name: string, timeoutMs: number, onPoll?: (view: PipeStatusView) => void): Promise<ResyncWorkflowResult> {
    const h = this.temporal.workflow.getHandle(resyncWorkflowId(name));
    const until = Date.now() + timeoutMs;
    for (;;) {
      const { status } = await h.describe();
      if (status.name !== 'RUNNING') {
        try {
          return (await h.result()) as ResyncWorkflowResult;
        } catch (err) {
          const reason = err instanceof WorkflowFailedError && err.cause ? err.cause.message : String(err);
          throw new PipeClientError(reason);
        }
      }
      const view = await h.query(statusQuery).catch(() => null);
      if (view) {
        onPoll?.(view);
        if (view.status === 'Failed') {
          throw new PipeClientError(`resync of pipe ${name} failed: ${view.lastError} (pipectl resume ${name} retries it)`);
        }
      }
      if (Date.now() > until) throw new PipeClientError(`resync of pipe ${name} is still running after ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Names of the running pipes (a pipe being resynced included), newest first. */
  async list(): Promise<string[]> {
    const names = new Set<string>();
    for await (const wf of this.temporal.workflow.list({
      query: `WorkflowType IN ('pipeWorkflow', 'resyncWorkflow') AND ExecutionStatus = 'Running'`,
    })) {
      const name = pipeOfWorkflowId(wf.workflowId);
      if (name) names.add(name);
    }
    return [...names];
  }

  /**
   * Waits until the pipe runs CDC at or past `target` (a source position read
   * by the caller): every change made before it is in ClickHouse.
   */
  async waitCaughtUp(
    name: string,
    target: BinlogPosition,
    timeoutMs: number,
    onPoll?: (view: PipeStatusView) => void,
  ): Promise<PipeStatusView> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const view = await this.status(name);
      onPoll?.(view);
      const p = view.cdc.position;
      if (p && positionReached(p, target) && view.status === 'Running') return view;
      if (view.status === 'Failed') throw new PipeClientError(`pipe ${name} failed: ${view.lastError}`);
      if (Date.now() > until) throw new PipeClientError(`pipe ${name} did not catch up: ${JSON.stringify(view)}`);
      await new Promise((r) => setTimeout(r, 300));
    }
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
