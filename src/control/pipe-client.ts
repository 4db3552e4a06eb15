import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { PipeConfig, PipeConfigInput } from '../pipe/config.js';
import { pipeOfWorkflowId, pipeWorkflowId, resyncWorkflowId, TASK_QUEUE } from '../pipe/names.js';
import { resyncIdFor, type ResyncOptions, type ResyncRequest } from '../pipe/resync-options.js';
import type { BinlogPosition, PipeStatus, PipeStatusView } from '../pipe/status.js';
import { deepestMessage } from '../pipe/errors.js';
import { addTablesUpdate, configQuery, dropSignal, pauseSignal, resumeSignal, statusQuery } from '../contract/messages.js';
import type { PipeWorkflowInput, ResyncWorkflowResult } from '../contract/workflow-io.js';
import { noSuchPipe, PipeClientError, type PipeClientOptions } from './pipe-client-error.js';
import { caughtUp, followResync, pollStatus, showing } from './waits.js';
import { ValidationClient } from './validation-client.js';

export { PipeClientError };

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

  /** Validation, repair and validation schedules of pipes. */
  get validations(): ValidationClient {
    return new ValidationClient(this.temporal, this.taskQueue);
  }

  /** Starts a pipe; its name must be new. `force`: load even if the binlog's retention looks too short. */
  async create(config: PipeConfig, options: { force?: boolean } = {}): Promise<void> {
    try {
      await this.temporal.workflow.start<(input: PipeWorkflowInput) => Promise<unknown>>('pipeWorkflow', {
        workflowId: pipeWorkflowId(config.name),
        taskQueue: this.taskQueue,
        args: [{ config, ...(options.force ? { force: true } : {}) }],
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
      throw noSuchPipe(err, name) ?? err;
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

  /** The pipe's configuration (it names its secrets, never holds them). */
  config(name: string): Promise<PipeConfig> {
    return this.onPipe(name, async () => (await this.currentOrFail(name)).query(configQuery));
  }

  /** Pauses the pipe at its next safe point, and the loads of its resyncs. */
  pause(name: string): Promise<void> {
    return this.onPipe(name, async () => {
      for (const h of await this.allRunning(name)) await h.signal(pauseSignal);
    });
  }

  /** Resumes the pipe and its resyncs (or retries the step one of them failed at). */
  resume(name: string): Promise<void> {
    return this.onPipe(name, async () => {
      for (const h of await this.allRunning(name)) await h.signal(resumeSignal);
    });
  }

  /**
   * Ends the pipe at a safe point, and first the resyncs running for it
   * (so that none starts it again, nor swaps a table in), waiting until all
   * have ended.
   */
  async drop(name: string): Promise<void> {
    await this.onPipe(name, async () => {
      for (const h of (await this.allRunning(name)).reverse()) {
        await h.signal(dropSignal);
        await h.result().catch(() => undefined);
      }
    });
  }

  /** The pipe's workflow and its resyncs' that are running (the pipe first); fails when there are none. */
  private async allRunning(name: string) {
    const pipe = await this.running(pipeWorkflowId(name));
    const online = pipe ? Object.keys((await pipe.query(statusQuery)).resyncs ?? {}) : [];
    const ids = [...new Set([resyncWorkflowId(name), ...online])];
    const resyncs = (await Promise.all(ids.map((id) => this.running(id)))).filter((h) => h !== null);
    const all = [...(pipe ? [pipe] : []), ...resyncs];
    if (all.length === 0) throw new PipeClientError(`no running pipe named "${name}"`);
    return all;
  }

  /**
   * Adds tables to a running pipe. Resolves once they are checked (a bad table
   * is refused with the reason); the pipe then loads them between two CDC
   * batches (status Snapshot) and follows them.
   */
  async addTables(name: string, tables: PipeConfigInput['tables'], options: { force?: boolean } = {}): Promise<void> {
    // Only the pipe's own workflow takes new tables (not a resync holding it).
    const h = await this.running(pipeWorkflowId(name));
    if (!h) throw new PipeClientError(`no running pipe named "${name}"`);
    try {
      await h.executeUpdate(addTablesUpdate, { args: [{ tables, ...(options.force ? { force: true } : {}) }] });
    } catch (err) {
      throw new PipeClientError(`tables not added: ${deepestMessage(err)}`);
    }
  }

  /**
   * Starts a resync (`resyncWorkflow`, id `resync:<name>`, or
   * `resync:<name>:<tables>` for some tables). It validates before it
   * changes anything; see waitForResync for its outcome.
   */
  async resync(name: string, options: ResyncOptions = {}): Promise<void> {
    try {
      await this.temporal.workflow.start<(input: ResyncRequest) => Promise<ResyncWorkflowResult>>('resyncWorkflow', {
        workflowId: resyncIdFor(name, options.tables),
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
   * Follows a resync to its end: the pipe back in Running (or Completed),
   * calling `onPoll` with the resync's status meanwhile. A refused resync, or
   * one that stopped at Failed (waiting for resume or drop), ends in a
   * PipeClientError.
   */
  waitForResync(name: string, timeoutMs: number, onPoll?: (view: PipeStatusView) => void, tables?: string[]): Promise<ResyncWorkflowResult> {
    return followResync(this.temporal.workflow.getHandle(resyncIdFor(name, tables)), name, timeoutMs, onPoll);
  }

  /**
   * Waits until the pipe runs CDC at or past `target` (a source position read
   * by the caller): every change made before it is in ClickHouse.
   */
  waitCaughtUp(name: string, target: BinlogPosition, timeoutMs: number, onPoll?: (view: PipeStatusView) => void): Promise<PipeStatusView> {
    return pollStatus(() => this.status(name), timeoutMs, 300, onPoll, caughtUp(name, target));
  }

  /**
   * Waits until the pipe shows `status`. Resolves with the last status seen:
   * the wanted one, 'Failed' (when waiting for another), or the one it had
   * when time ran out.
   */
  waitFor(name: string, status: PipeStatus, timeoutMs: number, onPoll?: (view: PipeStatusView) => void): Promise<{ reached: boolean; view: PipeStatusView }> {
    return pollStatus(() => this.status(name), timeoutMs, 500, onPoll, showing(status));
  }
}
