import { quoteChString } from '../clickhouse/quote.js';
import type { LoadChunkInput, LoadChunkResult } from '../contract/activity-io.js';
import { withSource } from '../mysql/source-connector.js';
import { pullableChunkRows } from '../mysql/pull-checks.js';
import { assertDefinitionUnchanged } from '../mysql/definition-check.js';
import { pullChunkSql } from '../clickhouse/mysql-pull.js';
import { dedupToken } from '../clickhouse/dedup-token.js';
import type { ActivityDeps } from './deps.js';

/**
 * Loads a chunk by having ClickHouse read it from the source, when every
 * value it holds converts exactly as the streaming path would; otherwise
 * returns null and the caller streams the chunk. The chunk is one
 * INSERT … SELECT with a deduplication token: a retry rewrites nothing, and
 * there is no progress to record.
 */
export async function pullChunk(deps: ActivityDeps, input: LoadChunkInput): Promise<LoadChunkResult | null> {
  const { schema, chunk, source } = input;
  // ClickHouse's mysql() has no TLS settings: a TLS source is streamed.
  if (source.tls) return null;
  const rows = await withSource(deps.source, source, (conn) => pullableChunkRows(conn, source.database, schema, chunk));
  if (rows === null) return null;
  if (rows > 0) {
    const password = String(deps.source.connectionOptions(source).password ?? '');
    const sql = pullChunkSql({
      target: { database: input.destinationDatabase, table: input.destinationTable },
      schema,
      source: {
        address: source.addressForClickHouse ?? `${source.host}:${source.port}`,
        database: source.database,
        user: source.user,
        password,
      },
      lower: chunk.lower,
      upper: chunk.upper,
      version: input.version,
      dedupToken: dedupToken.pulledChunk(input.loadId, input.destinationTable, chunk.index),
    });
    try {
      await deps.destination.command(sql);
    } catch (err) {
      // The statement holds the password: pass on the message only, scrubbed.
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`pulling chunk ${chunk.index} of ${schema.table} into ClickHouse failed: ${password ? message.replaceAll(password, '***').replaceAll(quoteChString(password).slice(1, -1), '***') : message}`);
    }
    // ClickHouse converts what it reads without a word: a change during the pull discards the chunk's table load.
    await withSource(deps.source, source, (conn) => assertDefinitionUnchanged(conn, source.database, schema));
  }
  return { rows, pulled: true };
}
