import { Context } from '@temporalio/activity';
import type { ChunkProgress, LoadChunkInput, LoadChunkResult } from '../contract/activity-io.js';
import type { ActivityDeps } from './deps.js';
import { keepAlive } from './keep-alive.js';
import { pullChunk } from './pull-chunk.js';
import { streamChunk } from './stream-chunk.js';
import { pipeLabel, pipeMetrics } from '../metrics/pipe-metrics.js';

/** How long `auto` streams the chunks of a source ClickHouse failed to pull from, before it tries again (ms). */
const PULL_RETRY_AFTER_MS = 10 * 60_000;
/** Sources (host:port as ClickHouse reaches them) whose last pull failed, until when. */
const notPulling = new Map<string, number>();

export function loadChunkActivity(deps: ActivityDeps) {
  /**
   * Loads one key range into ClickHouse: pulled by ClickHouse itself where
   * the pull mode allows it, else streamed page by page (see stream-chunk.ts).
   */
  return async function loadChunk(input: LoadChunkInput): Promise<LoadChunkResult> {
    const ctx = Context.current();
    const resumed = ctx.info.heartbeatDetails as ChunkProgress | undefined;
    // A rate limit needs the page-by-page pace of the streaming mode; a
    // chunk that streamed pages already goes on streaming.
    const address = input.source.addressForClickHouse ?? `${input.source.host}:${input.source.port}`;
    const auto = input.loadMode === 'auto';
    const tryPull = (input.loadMode === 'pull' || (auto && (notPulling.get(address) ?? 0) < Date.now())) && !input.maxRowsPerSecond && !resumed;
    if (tryPull) {
      const stop = keepAlive(ctx, () => undefined);
      try {
        const pulled = await pullChunk(deps, input).catch((err: unknown) => {
          // Asked for explicitly, a pull that fails is an error; `auto` streams instead (ClickHouse may not reach the source).
          if (!auto) throw err;
          notPulling.set(address, Date.now() + PULL_RETRY_AFTER_MS);
          return null;
        });
        if (pulled) {
          pipeMetrics.rowsLoaded.inc({ pipe: pipeLabel(ctx.info.workflowExecution?.workflowId), table: input.schema.table }, pulled.rows);
          return pulled;
        }
      } finally {
        stop();
      }
    }
    return streamChunk(deps, input, resumed);
  };
}
