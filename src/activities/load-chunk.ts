import { Context } from '@temporalio/activity';
import type { ChunkProgress, LoadChunkInput, LoadChunkResult, LoadTablesInput, LoadTablesResult } from '../contract/activity-io.js';
import { deepestMessage } from '../pipe/errors.js';
import type { ActivityDeps } from './deps.js';
import { errorKind } from './error-kinds.js';
import { keepAlive } from './keep-alive.js';
import { pullChunk } from './pull-chunk.js';
import { streamChunk } from './stream-chunk.js';
import { pipeLabel, pipeMetrics } from '../metrics/pipe-metrics.js';

/** How long `auto` streams the chunks of a source ClickHouse failed to pull from, before it tries again (ms). */
const PULL_RETRY_AFTER_MS = 10 * 60_000;
/** Sources (host:port as ClickHouse reaches them) whose last pull failed, until when. */
const notPulling = new Map<string, number>();

/**
 * `auto` streams a table of one chunk of at most this many rows: a pull's
 * own cost (ClickHouse's connection to the source, the checks around it)
 * is more than its rows'. Measured on 1,000-row tables: about 23 ms a table
 * streamed against 35 pulled; per 1,000 rows, streaming costs about 5 ms
 * more than pulling, so the two meet near 3,000 rows.
 */
const STREAMED_TABLE_ROWS = 3_000;

/** Whether `auto` may pull the chunk: it is not a table of a few rows, and ClickHouse has not failed to reach its source lately. */
function autoPulls(input: LoadChunkInput, address: string): boolean {
  const few = input.chunk.rowsAtMost !== undefined && input.chunk.rowsAtMost <= STREAMED_TABLE_ROWS;
  return !few && (notPulling.get(address) ?? 0) < Date.now();
}

export function loadChunkActivities(deps: ActivityDeps) {
  /**
   * Loads one key range into ClickHouse: pulled by ClickHouse itself where
   * the pull mode allows it, else streamed page by page (see stream-chunk.ts),
   * from `resumed` on.
   */
  async function load(input: LoadChunkInput, resumed: ChunkProgress | undefined): Promise<LoadChunkResult> {
    const ctx = Context.current();
    // A rate limit needs the page-by-page pace of the streaming mode; a
    // chunk that streamed pages already goes on streaming.
    const address = input.source.addressForClickHouse ?? `${input.source.host}:${input.source.port}`;
    const auto = input.loadMode === 'auto';
    const tryPull = (input.loadMode === 'pull' || (auto && autoPulls(input, address))) && !input.maxRowsPerSecond && !resumed;
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
  }

  return {
    /** One chunk, resumed where its last attempt's heartbeat says. */
    loadChunk: (input: LoadChunkInput): Promise<LoadChunkResult> => load(input, Context.current().info.heartbeatDetails as ChunkProgress | undefined),
    /**
     * Small tables of one chunk each, one after another: one activity (and
     * one workflow task) for several tables, not one each. A retry loads
     * them all again from the start (they are small; pulled chunks and
     * streamed pages carry deduplication tokens). A table whose definition
     * changed under its load is reported, and the others go on.
     */
    async loadTables({ tables, ...shared }: LoadTablesInput): Promise<LoadTablesResult> {
      const results: LoadTablesResult = [];
      for (const table of tables) {
        try {
          results.push(await load({ ...shared, ...table }, undefined));
        } catch (err) {
          if (errorKind(err) !== 'definition') throw err;
          results.push({ definitionChanged: deepestMessage(err) });
        }
      }
      return results;
    },
  };
}
