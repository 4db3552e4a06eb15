import type { CreateTablesInput, PreparePipeInput, PreparePipeResult, PrepareShadowInput, PrepareShadowsInput } from '../contract/activity-io.js';
import type { ShadowStart } from '../contract/messages.js';
import type { PipeConfig } from '../pipe/config.js';
import type { BinlogPosition } from '../pipe/status.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { readBinlogPosition, startPosition } from '../mysql/binlog-position.js';
import { createDatabaseSql, createTableSql } from '../clickhouse/table-ddl.js';
import type { ActivityDeps } from './deps.js';
import { checkSource, withCheckedSource } from './source-check.js';
import { crashPoint } from './crash-points.js';
import { refuseServerIdConflict } from './server-id-check.js';
import { storedRows } from '../clickhouse/table-info.js';
import { RESYNC_SUFFIX } from '../pipe/names.js';
import { PipeValidationError } from '../pipe/errors.js';
import { retentionProblem } from '../mysql/binlog-retention.js';
import type { Connection } from 'mysql2/promise';
import { inLanes } from '../pipe/lanes.js';

/** CREATE TABLE statements Setup has in flight at once (measured on the embedded engine: 4 take 40 % less time than 1). */
const DDL_LANES = 4;

export function preparePipeActivity(deps: ActivityDeps) {
  /**
   * Setup: checks the source (reachable, binlog fit for CDC, tables and
   * keys), creates the destination tables, then records the binlog position.
   * Idempotent: a retry checks and creates again, and records a newer
   * position, which only means CDC replays a little more.
   */
  return async function preparePipe(input: PreparePipeInput): Promise<PreparePipeResult> {
    const { config } = input;
    const database = config.destination.database;
    return withCheckedSource(deps, config, async (conn) => {
      const schemas = await checkSource(conn, config);
      // Given a position from before the schemas were read (a drained resync), the load takes a later one as its version.
      const schemaAt = config.cdc && input.position ? await readBinlogPosition(conn) : null;
      await refuseServerIdConflict(deps, config);
      // A load that stops CDC meanwhile must not outlive the binlog (a resync checked before it stopped the pipe).
      if (config.cdc && !input.replaceTables && !input.skipRetentionCheck) await refuseShortRetention(conn, config);
      await deps.destination.command(createDatabaseSql(database));
      const names = schemas.map((s) => s.table + input.tableSuffix);
      const stored = input.replaceTables ? new Map<string, number>() : await storedRows(deps.destination, database, names);
      // A table left by an earlier pipe of this name keeps its rows until a
      // fresh one, loaded beside it, takes its place (never stale rows, an
      // old schema or an old ORDER BY).
      const kept = (s: TableSchema) => (stored.get(s.table + input.tableSuffix) ?? 0) > 0;
      const replacing = schemas.filter(kept).map((s) => s.table);
      const targets = schemas.map((s) => ({ schema: s, table: s.table + (kept(s) ? RESYNC_SUFFIX : input.tableSuffix) }));
      if (!input.deferTables) await createTargets(deps, { database, tables: targets, comment: input.comment });
      const position = config.cdc ? (input.position ?? (await startPosition(conn))) : null;
      crashPoint('setup');
      return {
        schemas,
        position,
        schemaAt: schemaAt ?? position,
        ...(replacing.length ? { replacing } : {}),
        ...(input.deferTables ? { tablesDeferred: true } : {}),
      };
    });
  };
}

/** Creates destination tables afresh, a few at a time: an embedded engine runs one statement at a time, but the round trips around them overlap. */
async function createTargets(deps: ActivityDeps, input: CreateTablesInput): Promise<void> {
  await inLanes(input.tables, DDL_LANES, async ({ schema, table }) => {
    await deps.destination.command(createTableSql(input.database, table, schema, { mode: 'or-replace', comment: input.comment }));
  });
}

/** The tables Setup left to the load (PreparePipeInput.deferTables): a group's, created while it is planned. */
export function createTablesActivity(deps: ActivityDeps) {
  return (input: CreateTablesInput): Promise<void> => createTargets(deps, input);
}

export function validateSourceActivity(deps: ActivityDeps) {
  /** The checks of Setup alone: nothing is created or changed. */
  return async function validateSource(config: PipeConfig, options: { checkRetention?: boolean } = {}): Promise<TableSchema[]> {
    return withCheckedSource(deps, config, async (conn) => {
      const schemas = await checkSource(conn, config);
      await refuseServerIdConflict(deps, config);
      if (options.checkRetention && config.cdc) await refuseShortRetention(conn, config);
      return schemas;
    });
  };
}

export function readSourcePositionActivity(deps: ActivityDeps) {
  /** The source's binlog end now. */
  return async function readSourcePosition(config: PipeConfig): Promise<BinlogPosition> {
    return withCheckedSource(deps, config, (conn) => startPosition(conn));
  };
}

export function prepareShadowActivity(deps: ActivityDeps) {
  /**
   * An online resync's shadows of `config.tables`: records the binlog's end
   * first, then reads the tables' definitions and creates each
   * `<table>_resync` from its own (CREATE OR REPLACE, with its marker). A
   * definition changed between the two shows in CDC as rows of another
   * shape, which restarts that shadow. Does not wait for prepared XA
   * transactions (the pipe runs this between two batches): it fails, and the
   * resync asks again. One connection and one check of the source for them
   * all: a group of 16 prepared one activity each took about 1.6 s.
   */
  async function prepareShadows(input: PrepareShadowsInput): Promise<ShadowStart[]> {
    const { config, markers } = input;
    const database = config.destination.database;
    return withCheckedSource(deps, config, async (conn) => {
      const position = await startPosition(conn, 0);
      const schemas = await checkSource(conn, config);
      await deps.destination.command(createDatabaseSql(database));
      for (const [i, schema] of schemas.entries()) {
        await deps.destination.command(createTableSql(database, schema.table + RESYNC_SUFFIX, schema, { mode: 'or-replace', comment: markers[i] }));
      }
      return schemas.map((schema) => ({ position, schema }));
    });
  }
  return {
    /** One table's shadow (`config.tables[0]`; the pipe's requests before shadows-prepared-together). */
    async prepareShadow(input: PrepareShadowInput): Promise<ShadowStart> {
      const [start] = await prepareShadows({ config: input.config, markers: [input.marker] });
      if (!start) throw new Error('prepareShadow needs one table');
      return start;
    },
    prepareShadows,
  };
}

async function refuseShortRetention(conn: Connection, config: PipeConfig): Promise<void> {
  const problem = await retentionProblem(conn, config.source.database, config.tables.map((t) => t.name), config.settings.maxRowsPerSecond);
  if (problem) throw new PipeValidationError(problem);
}
