import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import type { ChunkProgress, LoadChunkInput, LoadChunkResult } from '../contract/activity-io.js';
import { averageRowBytes, chunkPages, type ChunkCursor } from '../mysql/chunk-reader.js';
import { withSource } from '../mysql/source-connector.js';
import { assertDefinitionUnchanged } from '../mysql/definition-check.js';
import { encodeRow } from '../clickhouse/row-encoder.js';
import { insertColumns } from '../clickhouse/table-ddl.js';
import { dedupToken } from '../clickhouse/dedup-token.js';
import type { ActivityDeps } from './deps.js';
import { keepAlive } from './keep-alive.js';
import { crashPoint } from './crash-points.js';
import { pipeLabel, pipeMetrics } from '../metrics/pipe-metrics.js';

/** About this much row data per page (characters of encoded rows), so wide rows keep memory bounded. */
const PAGE_CHARS = 32 * 1024 * 1024;

/** Rows per page that keep a page of `rowChars`-sized rows near PAGE_CHARS. */
const rowsFitting = (rowChars: number, max: number) => Math.max(1, Math.min(max, Math.floor(PAGE_CHARS / Math.max(1, rowChars))));

/**
 * Streams one key range MySQL → ClickHouse page by page. A retry resumes
 * after the last acknowledged page (from the heartbeat), and a page written
 * twice carries the same deduplication token, so ClickHouse keeps one copy.
 */
export async function streamChunk(deps: ActivityDeps, input: LoadChunkInput, resumed: ChunkProgress | undefined): Promise<LoadChunkResult> {
  const ctx = Context.current();
  const { schema, chunk } = input;
  const rate = input.maxRowsPerSecond;
  // Under a rate limit, pages of about a second's worth keep the pace even.
  const maxPageRows = rate ? Math.max(1, Math.min(input.pageSize, Math.floor(rate))) : input.pageSize;
  const cursor: ChunkCursor = { after: resumed?.after ?? chunk.lower, pageRows: resumed?.pageRows ?? maxPageRows };
  let rows = resumed?.rows ?? 0;
  const columns = insertColumns(schema);
  const started = Date.now();
  let readHere = 0;
  const progress = (): ChunkProgress => ({ after: cursor.after, rows, pageRows: cursor.pageRows });
  const series = { pipe: pipeLabel(ctx.info.workflowExecution?.workflowId), table: schema.table };
  const stopKeepAlive = keepAlive(ctx, progress);
  try {
    await withSource(deps.source, input.source, async (conn) => {
      if (!resumed?.pageRows) {
        // Escaped bytes take up to 4 characters each.
        cursor.pageRows = rowsFitting((await averageRowBytes(conn, input.source.database, schema.table)) * 2, cursor.pageRows);
      }
      for await (const page of chunkPages(conn, input.source.database, schema, chunk, cursor)) {
        // Rows read after an ALTER TABLE may not fit the old columns: checked before they are written.
        await assertDefinitionUnchanged(conn, input.source.database, schema);
        const encoded = page.rows.map((r) => encodeRow(schema, r, input.version, false));
        const token = dedupToken.page(input.loadId, input.destinationTable, chunk.index, cursor.after, page.lastKey, page.rows.length);
        await deps.destination.insert(input.destinationDatabase, input.destinationTable, columns, encoded, token);
        crashPoint('chunk');
        cursor.after = page.lastKey;
        rows += page.rows.length;
        readHere += page.rows.length;
        let chars = 0;
        for (const row of encoded) chars += row.length;
        pipeMetrics.rowsLoaded.inc(series, page.rows.length);
        pipeMetrics.bytesWritten.inc(series, chars);
        // Wider rows than expected: smaller pages from here on (never larger,
        // so memory stays bounded).
        cursor.pageRows = rowsFitting(chars / encoded.length, cursor.pageRows);
        ctx.heartbeat(progress());
        ctx.cancellationSignal.throwIfAborted();
        if (rate && !page.final) {
          const ahead = (readHere / rate) * 1000 - (Date.now() - started);
          if (ahead > 0) await sleep(ahead, undefined, { signal: ctx.cancellationSignal });
        }
      }
    });
  } finally {
    stopKeepAlive();
  }
  return { rows };
}
