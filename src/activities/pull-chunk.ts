import { quoteChString } from '../clickhouse/quote.js';
import type { LoadChunkInput, LoadChunkResult } from '../contract/activity-io.js';
import { withSource } from '../mysql/source-connector.js';
import { oddRowsAmong, oddRowsInChunk, pullableNow } from '../mysql/pull-checks.js';
import { assertDefinitionUnchanged } from '../mysql/definition-check.js';
import { pullChunkSql } from '../clickhouse/mysql-pull.js';
import { pulledCheckSql, suspectKey, type PulledChunk } from '../clickhouse/pulled-dates.js';
import { dedupToken } from '../clickhouse/dedup-token.js';
import { pulledVersion } from '../pipe/version.js';
import type { Chunk } from '../pipe/chunk.js';
import { isDate, type TableSchema } from '../pipe/table-schema.js';
import type { ActivityDeps } from './deps.js';

/** Suspect rows looked up at the source one by one; beyond this, the chunk's range is scanned once. */
const MAX_SUSPECT_LOOKUPS = 5_000;

/**
 * Whether the chunk's dates are checked in ClickHouse after the pull rather
 * than scanned at the source before it. Not where the pulled rows cannot be
 * found by the chunk's range (the ORDER BY does not start with the source
 * key), nor where a key holds dates (a key the reader converted would leave a
 * row under another key). Nor for a table that is one chunk: scanning at
 * most one chunk costs the source little, and an embedded engine runs one
 * query at a time, so a pipe of hundreds of small tables would wait on a
 * check query for each.
 */
function checkedAfter(schema: TableSchema, chunk: Chunk): boolean {
  const wholeTable = chunk.lower === null && chunk.upper === null;
  return !wholeTable && schema.orderBy[0] === schema.key[0] && !schema.columns.some((c) => isDate(c) && schema.key.includes(c.name));
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
  // ClickHouse's mysql() has no TLS settings: a TLS source is streamed.
  if (input.source.tls) return null;
  return checkedAfter(input.schema, input.chunk) ? pullThenCheck(deps, input) : checkThenPull(deps, input);
}

/** The chunk's range scanned at the source first (counted, and its dates checked), then pulled. */
async function checkThenPull(deps: ActivityDeps, input: LoadChunkInput): Promise<LoadChunkResult | null> {
  const { schema, chunk, source } = input;
  const scan = await withSource(deps.source, source, async (conn) =>
    (await pullableNow(conn, source.database, schema)) ? oddRowsInChunk(conn, source.database, schema, chunk) : null,
  );
  if (!scan || scan.odd > 0) return null;
  if (scan.rows > 0) {
    await pull(deps, input);
    // ClickHouse converts what it reads without a word: a change during the pull discards the chunk's table load.
    await withSource(deps.source, source, (conn) => assertDefinitionUnchanged(conn, source.database, schema));
  }
  return { rows: scan.rows, pulled: true };
}

/** The chunk pulled first, then counted and its suspect dates looked up at the source (see pulled-dates.ts). */
async function pullThenCheck(deps: ActivityDeps, input: LoadChunkInput): Promise<LoadChunkResult | null> {
  const { schema, chunk, source } = input;
  if (!(await withSource(deps.source, source, (conn) => pullableNow(conn, source.database, schema)))) return null;
  await pull(deps, input);
  const pulled: PulledChunk = { database: input.destinationDatabase, table: input.destinationTable, schema, chunk, version: pulledVersion(input.version) };
  const [checked] = await deps.destination.query<{ rows: string; suspects: string[][] }>(pulledCheckSql(pulled, MAX_SUSPECT_LOOKUPS));
  const suspects = checked?.suspects ?? [];
  const odd = await withSource(deps.source, source, async (conn) => {
    // ClickHouse converts what it reads without a word: a change during the pull discards the chunk's table load.
    await assertDefinitionUnchanged(conn, source.database, schema);
    if (suspects.length === 0) return 0;
    return suspects.length > MAX_SUSPECT_LOOKUPS
      ? (await oddRowsInChunk(conn, source.database, schema, chunk)).odd
      : oddRowsAmong(conn, source.database, schema, suspects.map((k) => suspectKey(schema, k)));
  });
  return odd > 0 ? null : { rows: Number(checked?.rows ?? 0), pulled: true };
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
