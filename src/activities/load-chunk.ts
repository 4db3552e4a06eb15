import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import type { SourceConfig } from '../mysql/connection-options.js';
import type { Chunk } from '../mysql/chunk-planner.js';
import type { KeyTuple, TableSchema } from '../pipe/table-schema.js';
import { averageRowBytes, readPage } from '../mysql/chunk-reader.js';
import { encodeRow } from '../clickhouse/row-encoder.js';
import { insertColumns } from '../clickhouse/table-ddl.js';
import type { ActivityDeps } from './deps.js';
import { withSource } from '../mysql/source-connector.js';
import { keepAlive } from './keep-alive.js';
import { pullChunk } from './pull-chunk.js';
import { crashPoint } from './crash-points.js';

export interface LoadChunkInput {
  source: SourceConfig;
  schema: TableSchema;
  chunk: Chunk;
  destinationDatabase: string;
  destinationTable: string;
  /** `_peerdb_version` of every snapshot row (see pipe/version.ts). */
  version: number;
  /** Identifies this load, so its deduplication tokens never match another's. */
  loadId: string;
  pageSize: number;
  /** This chunk's share of the source-wide rate limit, if any. */
  maxRowsPerSecond?: number;
  /** 'pull': ClickHouse reads the chunk itself where it can (see clickhouse/mysql-pull.ts). */
  loadMode?: 'stream' | 'pull';
}

export interface LoadChunkResult {
  rows: number;
  /** ClickHouse read the chunk itself (pull load mode). */
  pulled?: boolean;
}

/** What a chunk heartbeats after each page ClickHouse has acknowledged. */
export interface ChunkProgress {
  after: KeyTuple | null;
  rows: number;
  /** Rows per page; a resumed chunk reads the same pages, so their tokens match. */
  pageRows?: number;
}

/** About this much row data per page (characters of encoded rows), so wide rows keep memory bounded. */
const PAGE_CHARS = 32 * 1024 * 1024;

/** Rows per page that keep a page of `rowChars`-sized rows near PAGE_CHARS. */
const rowsFitting = (rowChars: number, max: number) => Math.max(1, Math.min(max, Math.floor(PAGE_CHARS / Math.max(1, rowChars))));

export function loadChunkActivity(deps: ActivityDeps) {
  /**
   * Streams one key range MySQL → ClickHouse page by page. A retry resumes
   * after the last acknowledged page (from the heartbeat), and a page
   * written twice carries the same deduplication token, so ClickHouse keeps
   * one copy.
   */
  return async function loadChunk(input: LoadChunkInput): Promise<LoadChunkResult> {
    const ctx = Context.current();
    const resumed = ctx.info.heartbeatDetails as ChunkProgress | undefined;
    // A rate limit needs the page-by-page pace of the streaming mode.
    if (input.loadMode === 'pull' && !input.maxRowsPerSecond && !resumed) {
      const pulled = await pullChunk(deps, input);
      if (pulled) return pulled;
    }
    let after = resumed?.after ?? input.chunk.lower;
    let rows = resumed?.rows ?? 0;
    const columns = insertColumns(input.schema);
    const rate = input.maxRowsPerSecond;
    // Under a rate limit, pages of about a second's worth keep the pace even.
    const maxPageRows = rate ? Math.max(1, Math.min(input.pageSize, Math.floor(rate))) : input.pageSize;
    let pageRows = resumed?.pageRows ?? maxPageRows;
    const started = Date.now();
    let readHere = 0;
    const progress = (): ChunkProgress => ({ after, rows, pageRows });
    const stopKeepAlive = keepAlive(ctx, progress);
    try {
      await withSource(deps.source, input.source, async (conn) => {
        if (!resumed?.pageRows) {
          // Escaped bytes take up to 4 characters each.
          pageRows = rowsFitting((await averageRowBytes(conn, input.source.database, input.schema.table)) * 2, pageRows);
        }
        for (;;) {
          ctx.cancellationSignal.throwIfAborted();
          if (rate) {
            const ahead = (readHere / rate) * 1000 - (Date.now() - started);
            if (ahead > 0) await sleep(ahead, undefined, { signal: ctx.cancellationSignal });
          }
          const page = await readPage(conn, input.source.database, input.schema, after, input.chunk.upper, pageRows);
          readHere += page.rows.length;
          if (page.rows.length === 0) break;
          const encoded = page.rows.map((r) => encodeRow(input.schema, r, input.version, false));
          const asked = pageRows;
          // The token names the exact key range written, so a replay of the
          // same page is dropped and a page that grew or shrank is not.
          const token = createHash('sha256')
            .update(JSON.stringify([input.loadId, input.destinationTable, input.chunk.index, after, page.lastKey, page.rows.length]))
            .digest('hex');
          await deps.destination.insert(input.destinationDatabase, input.destinationTable, columns, encoded, token);
          crashPoint('chunk');
          after = page.lastKey;
          rows += page.rows.length;
          let chars = 0;
          for (const row of encoded) chars += row.length;
          // Wider rows than expected: smaller pages from here on (never larger,
          // so memory stays bounded).
          pageRows = rowsFitting(chars / encoded.length, pageRows);
          ctx.heartbeat(progress());
          if (page.rows.length < asked) break;
        }
      });
    } finally {
      stopKeepAlive();
    }
    return { rows };
  };
}
