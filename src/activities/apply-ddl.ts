import type { ApplyDdlInput, ApplyDdlResult } from '../contract/activity-io.js';
import { versionAt } from '../pipe/version.js';
import { parseAlterTable } from '../mysql/alter-table.js';
import { readSourceColumns } from '../mysql/schema-reader.js';
import { withSource } from '../mysql/source-connector.js';
import { planSchemaChange } from '../cdc/schema-change.js';
import { columnDdlSql } from '../clickhouse/column-ddl.js';
import { truncateAsDeletesSql } from '../clickhouse/truncate.js';
import type { ActivityDeps } from './deps.js';
import { crashPoint } from './crash-points.js';

export function applyDdlActivity(deps: ActivityDeps) {
  /**
   * A statement on a replicated table, applied to ClickHouse before any row
   * written after it: an ALTER TABLE's column changes (their types and
   * defaults as the source defines them now; see cdc/schema-change.ts), or a
   * TRUNCATE's deletes. Each ClickHouse statement can run twice without
   * changing more (a retry after a crash).
   */
  return async function applyDdl(input: ApplyDdlInput): Promise<ApplyDdlResult> {
    const { config, schema, ddl } = input;
    const database = config.destination.database;
    if (ddl.ddl === 'truncate') {
      crashPoint('ddl-planned');
      await deps.destination.command(truncateAsDeletesSql(database, schema, versionAt(ddl.position.file, ddl.position.pos)));
      crashPoint('ddl');
      return { schema, done: ['every row written as deleted'] };
    }
    const ops = parseAlterTable(ddl.statement) ?? [];
    const columns = await withSource(deps.source, config.source, (conn) => readSourceColumns(conn, config.source.database, schema.table));
    // Renamed away or dropped since (a later statement the pipe has not reached yet).
    if (columns.length === 0) return { needsResync: 'the table is gone at the source' };
    const plan = planSchemaChange(schema, ops, columns, { dropColumns: config.settings.schemaChanges.dropColumns });
    if ('needsResync' in plan) return plan;
    crashPoint('ddl-planned');
    for (const change of plan.ddl) await deps.destination.command(columnDdlSql(database, schema.table, change));
    crashPoint('ddl');
    return { schema: plan.schema, done: plan.done };
  };
}
