import type { Connection } from 'mysql2/promise';
import type { PipeConfig } from '../pipe/config.js';
import { PipeValidationError } from '../pipe/errors.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { readTableSchema } from '../mysql/schema-reader.js';
import { binlogProblems } from '../mysql/source-check.js';
import type { ActivityDeps } from './deps.js';

/** Opens the source, turning "cannot log in" into a validation error. */
export async function openCheckedSource(deps: ActivityDeps, config: PipeConfig): Promise<Connection> {
  const { source } = config;
  try {
    return await deps.source.open(source);
  } catch (err) {
    const e = err as { code?: string; message: string };
    const where = `${source.user}@${source.host}:${source.port}/${source.database}`;
    if (e.code === 'ER_ACCESS_DENIED_ERROR' || e.code === 'ER_DBACCESS_DENIED_ERROR' || e.code === 'ER_BAD_DB_ERROR') {
      throw new PipeValidationError(`cannot connect to the source ${where}: ${e.message}`);
    }
    throw new Error(`cannot connect to the source ${where}: ${e.code ?? e.message}`);
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
