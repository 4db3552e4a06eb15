import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from 'mysql2/promise';
import { Context } from '@temporalio/activity';
import type { ChunkProgress, LoadChunkInput, LoadChunkResult } from '../contract/activity-io.js';
import { averageRowBytes, chunkPages, type ChunkCursor } from '../mysql/chunk-reader.js';
import { withSource } from '../mysql/source-connector.js';
import { cdcActivity } from '../cdc/cdc-activity.js';
import { assertDefinitionUnchanged } from '../mysql/definition-check.js';
import { encodeRow } from '../clickhouse/row-encoder.js';
import { insertColumns } from '../clickhouse/table-ddl.js';
import { dedupToken } from '../clickhouse/dedup-token.js';
import { packetRows, type PacketRows } from './packet-rows.js';
import type { ActivityDeps } from './deps.js';
import { keepAlive } from './keep-alive.js';
import { crashPoint } from './crash-points.js';
import { pipeLabel, pipeMetrics } from '../metrics/pipe-metrics.js';

/** About this much row data per page (characters of encoded rows), so wide rows keep memory bounded. */
const PAGE_CHARS = 32 * 1024 * 1024;

/**
 * An insert holds several pages: up to this many rows, or blockChars. The
 * engine spends far less per row on large inserts into a ReplacingMergeTree
 * (parsing, part creation, merges) than on many small ones; pages stay small
 * so that each query is a short index range scan, and the block goes to a
 * file as it is written (`largeBody`), so its size holds no memory. Measured
 * on the bench table (2,000,000 rows, chunks of 100,000): blocks of 100,000
 * rows loaded in 9.8–10.7 s (the worker 12.5–14.2 CPU-s) against 10.5–11.7
 * s (14.6–16.7) for 25,000.
 *
 * While CDC writes in this process (an online resync, tables added to a
 * running pipe), its batches wait behind such inserts: the longest CDC lag
 * during an online resync was 7.2–9.4 s with blocks of 100,000 rows against
 * 3.6–5.8 s with 25,000, and the resync itself was faster with the smaller
 * ones (16.4–17.7 s against 18.4–20.3).
 */
const BLOCK_ROWS = 100_000;
const BLOCK_ROWS_BESIDE_CDC = 25_000;

/** Characters a block of `rows` rows may hold: 8 MiB per 25,000 rows. */
const blockChars = (rows: number) => Math.round((rows / 25_000) * 8 * 1024 * 1024);

/** Rows per page that keep a page of `rowChars`-sized rows near PAGE_CHARS. */
const rowsFitting = (rowChars: number, max: number) => Math.max(1, Math.min(max, Math.floor(PAGE_CHARS / Math.max(1, rowChars))));

/**
 * Streams one key range MySQL → ClickHouse: pages read by keyset
 * pagination, written in blocks of several pages. A retry resumes after the
 * last acknowledged block (from the heartbeat), and a block written twice
 * carries the same deduplication token, so ClickHouse keeps one copy.
 */
export async function streamChunk(deps: ActivityDeps, input: LoadChunkInput, resumed: ChunkProgress | undefined): Promise<LoadChunkResult> {
  const ctx = Context.current();
  const { schema, chunk } = input;
  const rate = input.maxRowsPerSecond;
  // Under a rate limit, pages of about a second's worth keep the pace even.
  const maxPageRows = rate ? Math.max(1, Math.min(input.pageSize, Math.floor(rate))) : input.pageSize;
  // Where reading stands; `acked` is where ClickHouse has everything before.
  const cursor: ChunkCursor = { after: resumed?.after ?? chunk.lower, pageRows: resumed?.pageRows ?? maxPageRows };
  // Chosen once a chunk: a retry cuts the same blocks, so their tokens match.
  const blockRows = resumed ? (resumed.blockRows ?? BLOCK_ROWS_BESIDE_CDC) : cdcActivity.active() ? BLOCK_ROWS_BESIDE_CDC : BLOCK_ROWS;
  let acked = cursor.after;
  let rows = resumed?.rows ?? 0;
  const columns = insertColumns(schema);
  const started = Date.now();
  let readHere = 0;
  const progress = (): ChunkProgress => ({ after: acked, rows, pageRows: cursor.pageRows, blockRows });
  const series = { pipe: pipeLabel(ctx.info.workflowExecution?.workflowId), table: schema.table };
  let block = deps.destination.largeBody();
  const write = async (conn: Connection) => {
    if (block.rows === 0) return;
    // Rows read after an ALTER TABLE may not fit the old columns: checked
    // before they are written (once a block: every page in it was read before).
    await assertDefinitionUnchanged(conn, input.source.database, schema);
    const token = dedupToken.page(input.loadId, input.destinationTable, chunk.index, acked, cursor.after, block.rows);
    await deps.destination.insert(input.destinationDatabase, input.destinationTable, columns, block, token);
    crashPoint('chunk');
    pipeMetrics.rowsLoaded.inc(series, block.rows);
    pipeMetrics.bytesWritten.inc(series, block.chars);
    acked = cursor.after;
    rows += block.rows;
    block.discard();
    block = deps.destination.largeBody();
    ctx.heartbeat(progress());
  };
  const stopKeepAlive = keepAlive(ctx, progress);
  try {
    await withSource(deps.source, input.source, async (conn) => {
      if (!resumed?.pageRows) {
        // Escaped bytes take up to 4 characters each.
        cursor.pageRows = rowsFitting((await averageRowBytes(conn, input.source.database, schema.table)) * 2, cursor.pageRows);
      }
      // A page's rows go into the block as they arrive (sent only once checked below).
      const into: { rows: PacketRows | null; charsBefore: number } = { rows: null, charsBefore: 0 };
      const decoder = () => {
        into.charsBefore = block.chars;
        into.rows = packetRows(schema, input.version, block);
        return into.rows.decoder;
      };
      for await (const page of chunkPages(conn, input.source.database, schema, chunk, cursor, decoder)) {
        try {
          into.rows?.check();
          for (const r of page.rows) block.add(encodeRow(schema, r, input.version, false));
        } catch (err) {
          // A value its column cannot hold may be a row of a changed definition: that is the error then.
          await assertDefinitionUnchanged(conn, input.source.database, schema);
          throw err;
        }
        const chars = block.chars - into.charsBefore;
        cursor.after = page.lastKey;
        readHere += page.count;
        // Wider rows than expected: smaller pages from here on (never larger,
        // so memory stays bounded).
        cursor.pageRows = rowsFitting(chars / page.count, cursor.pageRows);
        if (block.rows >= blockRows || block.chars >= blockChars(blockRows) || rate) await write(conn);
        ctx.cancellationSignal.throwIfAborted();
        // (Also after a chunk's last page: a chunk of one short page would otherwise not be paced at all.)
        if (rate) {
          const ahead = (readHere / rate) * 1000 - (Date.now() - started);
          if (ahead > 0) await sleep(ahead, undefined, { signal: ctx.cancellationSignal });
        }
      }
      await write(conn);
    });
  } finally {
    stopKeepAlive();
    block.discard();
  }
  return { rows };
}
