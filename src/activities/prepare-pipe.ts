import type { PipeConfig } from '../pipe/config.js';
import { PipeValidationError } from '../pipe/errors.js';
import type { BinlogPosition } from '../pipe/status.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { readTableSchema } from '../mysql/schema-reader.js';
import { binlogProblems } from '../mysql/source-check.js';
import { readBinlogPosition } from '../mysql/binlog-position.js';
import { createDatabaseSql, createTableSql } from '../clickhouse/table-ddl.js';
import type { ActivityDeps } from './deps.js';
import { failFastOnValidation } from './failures.js';

export interface PreparePipeInput {
  config: PipeConfig;
  /** Appended to every destination table name ("_resync" during a resync). */
  tableSuffix: string;
  /** CREATE OR REPLACE (a fresh load) or CREATE IF NOT EXISTS. */
  replaceTables: boolean;
}

export interface PreparePipeResult {
  schemas: TableSchema[];
  /** Where CDC starts after the load: recorded before any row is read. */
  position: BinlogPosition | null;
}

export function preparePipeActivity(deps: ActivityDeps) {
  /**
   * Setup: checks the source (reachable, binlog fit for CDC, tables and
   * keys), creates the destination tables, then records the binlog position.
   * Idempotent: a retry checks and creates again, and records a newer
   * position, which only means CDC replays a little more.
   */
  return async function preparePipe(input: PreparePipeInput): Promise<PreparePipeResult> {
    return failFastOnValidation(async () => {
      const { config } = input;
      let conn;
      try {
        conn = await deps.source.open(config.source);
      } catch (err) {
        const e = err as { code?: string; message: string };
        const where = `${config.source.user}@${config.source.host}:${config.source.port}/${config.source.database}`;
        if (e.code === 'ER_ACCESS_DENIED_ERROR' || e.code === 'ER_DBACCESS_DENIED_ERROR' || e.code === 'ER_BAD_DB_ERROR') {
          throw new PipeValidationError(`cannot connect to the source ${where}: ${e.message}`);
        }
        throw new Error(`cannot connect to the source ${where}: ${e.code ?? e.message}`);
      }
      try {
        if (config.cdc) {
          const problems = await binlogProblems(conn);
          if (problems.length > 0) {
            throw new PipeValidationError(`the source is not ready for CDC: ${problems.join('; ')}`);
          }
        }
        const schemas: TableSchema[] = [];
        for (const t of config.tables) schemas.push(await readTableSchema(conn, config.source.database, t));

        await deps.destination.command(createDatabaseSql(config.destination.database));
        for (const s of schemas) {
          await deps.destination.command(
            createTableSql(
              config.destination.database,
              s.table + input.tableSuffix,
              s,
              input.replaceTables ? 'or-replace' : 'if-not-exists',
            ),
          );
        }
        const position = config.cdc ? await readBinlogPosition(conn) : null;
        return { schemas, position };
      } finally {
        await conn.end().catch(() => undefined);
      }
    });
  };
}
