import type { PipeConfig } from '../pipe/config.js';
import type { BinlogPosition } from '../pipe/status.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { readBinlogPosition } from '../mysql/binlog-position.js';
import { createDatabaseSql, createTableSql } from '../clickhouse/table-ddl.js';
import type { ActivityDeps } from './deps.js';
import { checkSource, withCheckedSource } from './source-check.js';
import { crashPoint } from './crash-points.js';

export interface PreparePipeInput {
  config: PipeConfig;
  /** Appended to every destination table name ("_resync" during a resync). */
  tableSuffix: string;
  /** CREATE OR REPLACE (a fresh load) or CREATE IF NOT EXISTS. */
  replaceTables: boolean;
  /** Table comment: marks the tables of one resync, so its swap knows them. */
  comment?: string;
  /** A position recorded earlier (a resync's drain point), used instead of reading one. */
  position?: BinlogPosition;
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
    const { config } = input;
    return withCheckedSource(deps, config, async (conn) => {
      const schemas = await checkSource(conn, config);
      await deps.destination.command(createDatabaseSql(config.destination.database));
      for (const s of schemas) {
        await deps.destination.command(
          createTableSql(config.destination.database, s.table + input.tableSuffix, s, {
            mode: input.replaceTables ? 'or-replace' : 'if-not-exists',
            comment: input.comment,
          }),
        );
      }
      const position = config.cdc ? (input.position ?? (await readBinlogPosition(conn))) : null;
      crashPoint('setup');
      return { schemas, position };
    });
  };
}

export function validateSourceActivity(deps: ActivityDeps) {
  /** The checks of Setup alone: nothing is created or changed. */
  return async function validateSource(config: PipeConfig): Promise<TableSchema[]> {
    return withCheckedSource(deps, config, (conn) => checkSource(conn, config));
  };
}

export function readSourcePositionActivity(deps: ActivityDeps) {
  /** The source's binlog end now. */
  return async function readSourcePosition(config: PipeConfig): Promise<BinlogPosition> {
    return withCheckedSource(deps, config, (conn) => readBinlogPosition(conn));
  };
}
