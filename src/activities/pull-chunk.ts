import { createHash } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps.js';
import type { LoadChunkInput, LoadChunkResult } from './load-chunk.js';
import { withSource } from '../mysql/source-connector.js';
import { rangeWhere } from '../mysql/key-range.js';
import { qualifiedMysqlTable, quoteMysqlIdent } from '../mysql/quote.js';
import { hasTimestamps, pullable, pullableValuesSql, pullChunkSql } from '../clickhouse/mysql-pull.js';
import { keepAlive } from './keep-alive.js';

const UTC_ZONES = /^(\+00:00|UTC|GMT|Etc\/UTC|Etc\/GMT|Universal|Zulu)$/i;

/**
 * Loads a chunk by having ClickHouse read it from the source, when every
 * value it holds converts exactly as the streaming path would; otherwise
 * returns null and the caller streams the chunk. The chunk is one
 * INSERT … SELECT with a deduplication token: a retry rewrites nothing.
 */
export async function pullChunk(deps: ActivityDeps, input: LoadChunkInput): Promise<LoadChunkResult | null> {
  const { schema, chunk, source } = input;
  // ClickHouse's mysql() has no TLS settings: a TLS source is streamed.
  if (!pullable(schema) || source.tls) return null;
  const ctx = Context.current();
  // No progress to record: a retried chunk is pulled again, its token drops the copy.
  const stopKeepAlive = keepAlive(ctx, () => undefined);
  try {
    const rows = await withSource(deps.source, source, async (conn) => {
      // One range scan counts the chunk and finds values ClickHouse would
      // read differently; the same query reads the time zone its session gets.
      const where = rangeWhere(schema.key, chunk.lower, chunk.upper);
      const pullable = pullableValuesSql(schema, quoteMysqlIdent);
      const [[r]] = await conn.query<RowDataPacket[]>(
        `SELECT COUNT(*) AS n, ${pullable ? `COALESCE(SUM(NOT (${pullable})), 0)` : '0'} AS odd, ` +
          '@@global.time_zone AS zone, @@system_time_zone AS system ' +
          `FROM ${qualifiedMysqlTable(source.database, schema.table)} WHERE ${where.sql}`,
        where.params,
      );
      const zone = String(r?.zone) === 'SYSTEM' ? String(r?.system) : String(r?.zone);
      if (Number(r?.odd) > 0 || (hasTimestamps(schema) && !UTC_ZONES.test(zone))) return null;
      return Number(r?.n ?? 0);
    });
    if (rows === null) return null;
    if (rows > 0) {
      const options = deps.source.connectionOptions(source);
      const password = String(options.password ?? '');
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
        dedupToken: createHash('sha256').update(JSON.stringify(['pull', input.loadId, input.destinationTable, chunk.index])).digest('hex'),
      });
      try {
        await deps.destination.command(sql);
      } catch (err) {
        // The statement holds the password: pass on the message only, scrubbed.
        const message = err instanceof Error ? err.message : String(err);
        throw new Error(`pulling chunk ${chunk.index} of ${schema.table} into ClickHouse failed: ${password ? message.replaceAll(password, '***') : message}`);
      }
    }
    return { rows, pulled: true };
  } finally {
    stopKeepAlive();
  }
}
