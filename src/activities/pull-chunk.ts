import { quoteChString } from '../clickhouse/quote.js';
import type { LoadChunkInput, LoadChunkResult } from '../contract/activity-io.js';
import { withSource } from '../mysql/source-connector.js';
import { oddRowsAmong, oddRowsInChunk, pullableNow } from '../mysql/pull-checks.js';
import { assertDefinitionUnchanged } from '../mysql/definition-check.js';
import { pullChunkSql } from '../clickhouse/mysql-pull.js';
import { pulledCheckSql, suspectKey, type PulledChunk } from '../clickhouse/pulled-dates.js';
import { dedupToken } from '../clickhouse/dedup-token.js';
import { pulledVersion } from '../pipe/version.js';
import { isDate } from '../pipe/table-schema.js';
import type { ActivityDeps } from './deps.js';

/** Suspect rows looked up at the source one by one; beyond this, the chunk's range is scanned once. */
const MAX_SUSPECT_LOOKUPS = 5_000;

/**
 * Whether the pulled rows can be found in ClickHouse by the chunk's range
 * (its ORDER BY starts with the source key), so that their dates are checked
 * after the pull; else the range is scanned at the source before it. Keys
 * holding dates are scanned before too: a key the reader converted would
 * leave a row under another key.
 */
function checkedAfter(input: LoadChunkInput): boolean {
  const { schema } = input;
  return schema.orderBy[0] === schema.key[0] && !schema.columns.some((c) => isDate(c) && schema.key.includes(c.name));
}

/**
 * Loads a chunk by having ClickHouse read it from the source, when every
 * value it holds converts exactly as the streaming path would; otherwise
 * returns null and the caller streams the chunk. The chunk is one
 * INSERT … SELECT with a deduplication token: a retry rewrites nothing, and
 * there is no progress to record. Its rows get the version below the load's
 * (see `pulledVersion`): when the reader converted a date otherwise, the
 * chunk streamed over them wins, and a retry finds the same rows and streams
 * again.
 */
export async function pullChunk(deps: ActivityDeps, input: LoadChunkInput): Promise<LoadChunkResult | null> {
  const { schema, chunk, source } = input;
  // ClickHouse's mysql() has no TLS settings: a TLS source is streamed.
  if (source.tls) return null;
  const checkAfter = checkedAfter(input);
  const ready = await withSource(deps.source, source, async (conn) => {
    if (!(await pullableNow(conn, source.database, schema))) return false;
    return checkAfter || oddRowsInChunk(conn, source.database, schema, chunk);
  });
  if (ready === false || (ready !== true && ready.odd > 0)) return null;
  if (ready !== true && ready.rows === 0) return { rows: 0, pulled: true };
  await pull(deps, input);
  // ClickHouse converts what it reads without a word: a change during the pull discards the chunk's table load.
  await withSource(deps.source, source, (conn) => assertDefinitionUnchanged(conn, source.database, schema));
  if (ready !== true) return { rows: ready.rows, pulled: true };
  const pulled: PulledChunk = { database: input.destinationDatabase, table: input.destinationTable, schema, chunk, version: pulledVersion(input.version) };
  const [checked] = await deps.destination.query<{ rows: string; suspects: string[][] }>(pulledCheckSql(pulled, MAX_SUSPECT_LOOKUPS));
  const suspects = checked?.suspects ?? [];
  if (suspects.length > 0) {
    const odd = await withSource(deps.source, source, async (conn) =>
      suspects.length > MAX_SUSPECT_LOOKUPS
        ? (await oddRowsInChunk(conn, source.database, schema, chunk)).odd
        : oddRowsAmong(conn, source.database, schema, suspects.map((k) => suspectKey(schema, k))),
    );
    if (odd > 0) return null;
  }
  return { rows: Number(checked?.rows ?? 0), pulled: true };
}

/** The INSERT … SELECT FROM mysql(); its errors never show the password. */
async function pull(deps: ActivityDeps, input: LoadChunkInput): Promise<void> {
  const { schema, chunk, source } = input;
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
    version: pulledVersion(input.version),
    dedupToken: dedupToken.pulledChunk(input.loadId, input.destinationTable, chunk.index, pulledVersion(input.version)),
  });
  try {
    await deps.destination.command(sql);
  } catch (err) {
    // The statement holds the password: pass on the message only, scrubbed.
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(
      `pulling chunk ${chunk.index} of ${schema.table} into ClickHouse failed: ${password ? message.replaceAll(password, '***').replaceAll(quoteChString(password).slice(1, -1), '***') : message}`,
    );
  }
}
