import { PipeClientError, type PipeClient } from '../../src/control/pipe-client.js';
import { pipeWorkflowId } from '../../src/pipe/names.js';
import { statusQuery } from '../../src/contract/messages.js';
import type { PipeConfig } from '../../src/pipe/config.js';
import type { PipeStatus, PipeStatusView } from '../../src/pipe/status.js';
import { loadTotals } from '../../src/cli/load-progress.js';

export interface LoadTiming {
  rows: number;
  /** The Snapshot phase as the pipe's stats time it (chunk planning included, Setup not). */
  loadMs: number;
  /** From the request (create or resync) until the pipe showed `until`. */
  endToEndMs: number;
  view: PipeStatusView;
}

/**
 * How often a load is polled. Its figures come from the pipe's own clock
 * (its status changes, its tables' load times), so polling more often makes
 * them no more exact; and each poll is a query the worker and the server
 * answer while they load (at 4 a second, alternate runs of the pull load
 * took 6.4–8.5 s against 5.6–5.7 at one every 2 s).
 */
const POLL_MS = 1_000;

/** When the pipe last changed to `status`, by its own clock (ms), or null. */
export function statusTime(view: PipeStatusView, status: PipeStatus): number | null {
  for (let i = view.recentStatuses.length - 1; i >= 0; i--) {
    const s = view.recentStatuses[i]!;
    if (s.status === status) return Date.parse(s.at);
  }
  return null;
}

/** Load figures of a finished load; the time the pipe changed status is exact, not a poll's. */
export function loadTiming(view: PipeStatusView, requestedAt: number, until: PipeStatus): LoadTiming {
  const reachedAt = statusTime(view, until) ?? Date.now();
  const stats = Object.values(view.tables).map((t) => t.initialLoad);
  return {
    rows: loadTotals(view).rows,
    loadMs: Math.max(0, ...stats.map((s) => s.durationMs)),
    endToEndMs: reachedAt - requestedAt,
    view,
  };
}

/**
 * The pipe's status; once its workflow has ended (a load without CDC ends
 * Completed) the closed workflow is asked, since the client asks running ones only.
 */
async function pipeStatus(client: PipeClient, pipe: string): Promise<PipeStatusView> {
  try {
    return await client.status(pipe);
  } catch (err) {
    if (!(err instanceof PipeClientError)) throw err;
    return client.temporal.workflow.getHandle(pipeWorkflowId(pipe)).query(statusQuery);
  }
}

/**
 * Polls a pipe (every POLL_MS) until it shows `until`, reporting progress
 * every few seconds. A Failed pipe, or one that takes too long, ends in an error.
 */
export async function waitForStatus(
  client: PipeClient,
  pipe: string,
  until: PipeStatus,
  timeoutMs: number,
  progress: (m: string) => void,
  onPoll?: (view: PipeStatusView) => void,
): Promise<PipeStatusView> {
  const deadline = Date.now() + timeoutMs;
  let lastLine = Date.now();
  for (;;) {
    const view = await pipeStatus(client, pipe);
    onPoll?.(view);
    if (view.status === until) return view;
    if (view.status === 'Failed') throw new Error(`pipe ${pipe} failed: ${view.lastError}`);
    if (Date.now() > deadline) throw new Error(`pipe ${pipe} did not reach ${until} within ${timeoutMs / 1000} s (it is ${view.status})`);
    if (Date.now() - lastLine >= 5_000) {
      lastLine = Date.now();
      const t = loadTotals(view);
      progress(`  ${pipe}: ${view.status}, ${t.rows.toLocaleString('en-US')} rows, ${t.chunksDone}/${t.chunksTotal} chunks`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Creates a pipe and waits for its initial load to end (Running, or Completed without CDC). */
export async function createAndLoad(
  client: PipeClient,
  config: PipeConfig,
  timeoutMs: number,
  progress: (m: string) => void,
  onPoll?: (view: PipeStatusView) => void,
): Promise<LoadTiming> {
  const until: PipeStatus = config.cdc ? 'Running' : 'Completed';
  const requestedAt = Date.now();
  await client.create(config);
  const view = await waitForStatus(client, config.name, until, timeoutMs, progress, onPoll);
  return loadTiming(view, requestedAt, until);
}
