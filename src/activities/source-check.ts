import type { Connection } from 'mysql2/promise';
import type { PipeConfig } from '../pipe/config.js';
import { PipeValidationError } from '../pipe/errors.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { readTableSchema } from '../mysql/schema-reader.js';
import { binlogProblems } from '../mysql/source-check.js';
import type { ActivityDeps } from './deps.js';

const REFUSALS = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR', 'HANDSHAKE_SSL_ERROR', 'HANDSHAKE_NO_SSL_SUPPORT']);

/** Opens the source, turning "cannot log in" into a refusal. */
async function openCheckedSource(deps: ActivityDeps, config: PipeConfig): Promise<Connection> {
  const { source } = config;
  try {
    return await deps.source.open(source);
  } catch (err) {
    const e = err as { code?: string; message: string };
    const where = `${source.user}@${source.host}:${source.port}/${source.database}`;
    const reason = e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message;
    // Refusals that retries cannot change: fail at once, with the server's reason.
    if (REFUSALS.has(e.code ?? '')) throw new PipeValidationError(`cannot connect to the source ${where}: ${reason}`);
    throw new Error(`cannot connect to the source ${where}: ${reason}`);
  }
}

/** Runs a check or setup step on a fresh source connection (a login the source refuses fails at once). */
export async function withCheckedSource<T>(deps: ActivityDeps, config: PipeConfig, body: (conn: Connection) => Promise<T>): Promise<T> {
  const conn = await openCheckedSource(deps, config);
  try {
    return await body(conn);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/**
 * Everything a pipe needs from its source, read fresh: the binlog fit for
 * CDC, and every table with its key and ORDER BY columns present.
 */
export async function checkSource(conn: Connection, config: PipeConfig): Promise<TableSchema[]> {
  if (config.cdc) {
    const problems = await binlogProblems(conn);
    if (problems.length > 0) throw new PipeValidationError(`the source is not ready for CDC: ${problems.join('; ')}`);
  }
  const schemas: TableSchema[] = [];
  for (const t of config.tables) schemas.push(await readTableSchema(conn, config.source.database, t));
  return schemas;
}
