import { Context } from '@temporalio/activity';
import type { ChunkProgress, LoadChunkInput, LoadChunkResult } from '../contract/activity-io.js';
import type { ActivityDeps } from './deps.js';
import { keepAlive } from './keep-alive.js';
import { pullChunk } from './pull-chunk.js';
import { streamChunk } from './stream-chunk.js';
import { pipeLabel, pipeMetrics } from '../metrics/pipe-metrics.js';

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
    if (input.loadMode === 'pull' && !input.maxRowsPerSecond && !resumed) {
      const stop = keepAlive(ctx, () => undefined);
      try {
        const pulled = await pullChunk(deps, input);
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
