import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import type { ChunkProgress, LoadChunkInput, LoadChunkResult } from '../contract/activity-io.js';
import { averageRowBytes, chunkPages, type ChunkCursor } from '../mysql/chunk-reader.js';
import { withSource } from '../mysql/source-connector.js';
import { assertDefinitionUnchanged } from '../mysql/definition-check.js';
import { encodeRow } from '../clickhouse/row-encoder.js';
import { InsertBody } from '../clickhouse/insert-body.js';
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
 * An insert holds several pages: up to this many rows, or BLOCK_CHARS. The
 * engine spends far less per row on large inserts into a ReplacingMergeTree
 * (parsing, part creation, merges) than on many small ones; pages stay small
 * so that each query is a short index range scan. Measured on the bench
 * table (2,000,000 rows): 25,000 rows a block loaded in 11.0–11.7 s against
 * 13.7–16.0 for 10,000, with 190–235 MB of the worker's memory against
 * 175–220; 50,000 took 12.1 s and 252 MB.
 */
const BLOCK_ROWS = 25_000;
const BLOCK_CHARS = 8 * 1024 * 1024;

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
  let acked = cursor.after;
  let rows = resumed?.rows ?? 0;
  const columns = insertColumns(schema);
  const started = Date.now();
  let readHere = 0;
  const progress = (): ChunkProgress => ({ after: acked, rows, pageRows: cursor.pageRows });
  const series = { pipe: pipeLabel(ctx.info.workflowExecution?.workflowId), table: schema.table };
  let block = new InsertBody();
  const write = async () => {
    if (block.rows === 0) return;
    const token = dedupToken.page(input.loadId, input.destinationTable, chunk.index, acked, cursor.after, block.rows);
    await deps.destination.insert(input.destinationDatabase, input.destinationTable, columns, block, token);
    crashPoint('chunk');
    pipeMetrics.rowsLoaded.inc(series, block.rows);
    pipeMetrics.bytesWritten.inc(series, block.chars);
    acked = cursor.after;
    rows += block.rows;
    block = new InsertBody();
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
        // Rows read after an ALTER TABLE may not fit the old columns: checked before they are written.
        await assertDefinitionUnchanged(conn, input.source.database, schema);
        into.rows?.check();
        for (const r of page.rows) block.add(encodeRow(schema, r, input.version, false));
        const chars = block.chars - into.charsBefore;
        cursor.after = page.lastKey;
        readHere += page.count;
        // Wider rows than expected: smaller pages from here on (never larger,
        // so memory stays bounded).
        cursor.pageRows = rowsFitting(chars / page.count, cursor.pageRows);
        if (block.rows >= BLOCK_ROWS || block.chars >= BLOCK_CHARS || rate) await write();
        ctx.cancellationSignal.throwIfAborted();
        // (Also after a chunk's last page: a chunk of one short page would otherwise not be paced at all.)
        if (rate) {
          const ahead = (readHere / rate) * 1000 - (Date.now() - started);
          if (ahead > 0) await sleep(ahead, undefined, { signal: ctx.cancellationSignal });
        }
      }
      await write();
    });
  } finally {
    stopKeepAlive();
  }
  return { rows };
}
