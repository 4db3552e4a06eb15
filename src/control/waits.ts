import { setTimeout as sleep } from 'node:timers/promises';
import { isGrpcServiceError, ServiceError, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { statusQuery } from '../contract/messages.js';
import type { ResyncWorkflowResult } from '../contract/workflow-io.js';
import type { BinlogPosition, PipeStatus, PipeStatusView } from '../pipe/status.js';
import { positionReached } from '../pipe/version.js';
import { PipeClientError } from './pipe-client-error.js';

/** What a wait looks for in each status it reads: an answer, or undefined to go on (it is told when time is up). */
export type StatusCheck<R> = (view: PipeStatusView, timedOut: boolean) => R | undefined;

/**
 * gRPC status codes CANCELLED, DEADLINE_EXCEEDED and UNAVAILABLE: the worker holding the query died with it (the
 * server cancels it), no worker answered in time, or the server is restarting.
 */
const UNANSWERED = new Set([1, 4, 14]);

/** A query no worker took in time (its worker restarting): a wait asks again rather than fail. */
function unanswered(err: unknown): boolean {
  const cause = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(cause) && UNANSWERED.has(cause.code);
}

/** Reads a status every `everyMs` until `check` gives an answer; a status nobody answered is asked again until time is up. */
export async function pollStatus<R>(
  read: () => Promise<PipeStatusView>,
  timeoutMs: number,
  everyMs: number,
  onPoll: ((view: PipeStatusView) => void) | undefined,
  check: StatusCheck<R>,
): Promise<R> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const view = await read().catch((err: unknown) => {
      if (unanswered(err) && Date.now() < until) return null;
      throw err;
    });
    if (view) {
      onPoll?.(view);
      const answer = check(view, Date.now() >= until);
      if (answer !== undefined) return answer;
    }
    await sleep(everyMs);
  }
}

/** Running CDC at or past `target`; a failure, or time running out, is an error. */
export function caughtUp(name: string, target: BinlogPosition): StatusCheck<PipeStatusView> {
  return (view, timedOut) => {
    const p = view.cdc.position;
    if (p && positionReached(p, target) && view.status === 'Running') return view;
    if (view.status === 'Failed') throw new PipeClientError(`pipe ${name} failed: ${view.lastError}`);
    if (timedOut) throw new PipeClientError(`pipe ${name} did not catch up: ${JSON.stringify(view)}`);
    return undefined;
  };
}

/** The status wanted, or Failed (when another was wanted), or the one shown when time ran out. */
export function showing(status: PipeStatus): StatusCheck<{ reached: boolean; view: PipeStatusView }> {
  return (view, timedOut) => {
    if (view.status === status) return { reached: true, view };
    return view.status === 'Failed' || timedOut ? { reached: false, view } : undefined;
  };
}

/** How often a resync's end is looked for (a describe: the server alone answers it). */
const RESYNC_POLL_MS = 500;

/**
 * Every how many polls its status is asked (a query, which the worker's
 * workflow thread answers): about 5 ms of the worker's CPU and 6 of the
 * server's each, measured on the benchmark's machine, and a query waits for
 * the workflow's task in progress (the bench's loads, polled four times a
 * second, took a fifth longer).
 */
const QUERY_EVERY_NTH = 4;

/** Follows a resync's workflow to its end (see PipeClient.waitForResync). */
export async function followResync(
  h: WorkflowHandle,
  name: string,
  timeoutMs: number,
  onPoll?: (view: PipeStatusView) => void,
): Promise<ResyncWorkflowResult> {
  const until = Date.now() + timeoutMs;
  for (let poll = 0; ; poll++) {
    const { status } = await h.describe();
    if (status.name !== 'RUNNING') {
      try {
        return (await h.result()) as ResyncWorkflowResult;
      } catch (err) {
        const reason = err instanceof WorkflowFailedError && err.cause ? err.cause.message : String(err);
        throw new PipeClientError(reason);
      }
    }
    const view = poll % QUERY_EVERY_NTH === 0 ? await h.query(statusQuery).catch(() => null) : null;
    if (view) {
      onPoll?.(view);
      if (view.status === 'Failed') {
        throw new PipeClientError(`resync of pipe ${name} failed: ${view.lastError} (pipectl resume ${name} retries it)`);
      }
    }
    if (Date.now() > until) throw new PipeClientError(`resync of pipe ${name} is still running after ${Math.round(timeoutMs / 1000)} s`);
    await sleep(RESYNC_POLL_MS);
  }
}
