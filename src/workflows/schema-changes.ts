import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { PullChangesResult } from '../contract/activity-io.js';
import { resyncIdFor } from '../pipe/resync-options.js';
import { recordSchemaChange } from '../pipe/status-updates.js';
import { stepActivities } from './activity-options.js';
import type { PipeRun } from './pipe-run.js';

/**
 * Schema changes at the source, followed between two batches: the batch
 * that read an ALTER TABLE or a TRUNCATE of a replicated table ended right
 * after it, and the change reaches ClickHouse before the next row. What the
 * pipe cannot follow stops that table (NeedsResync), and, where the table's
 * rows were replaced (a cutover, a partition) or the settings ask for it,
 * a resync of that table reloads it while CDC goes on.
 */
export async function followDdl(pipe: PipeRun, ddl: NonNullable<PullChangesResult['ddl']>): Promise<void> {
  const tables = pipe.tables!;
  const schema = tables.schemas.find((s) => s.table === ddl.table);
  const table = pipe.config.tables.find((t) => t.name === ddl.table);
  if (!schema || !table || tables.stopped[ddl.table]) return;
  const { settings } = pipe.config;
  const change = (action: string) => recordSchemaChange(pipe.view, { table: ddl.table, statement: ddl.statement, action }, new Date());
  if (ddl.ddl === 'truncate' && settings.schemaChanges.truncate === 'ignore') return change('ignored (settings.schemaChanges.truncate: ignore)');
  const result = await pipe.controls.step(pipe.cdcStatus, () => stepActivities.applyDdl({ config: { ...pipe.config, tables: [table] }, schema, ddl }));
  if ('needsResync' in result) {
    const reason = `schema change needs a resync of table "${ddl.table}": ${result.needsResync}`;
    tables.stop(ddl.table, reason, new Date());
    change(`needs a resync: ${result.needsResync}`);
    if (result.reload || settings.schemaChanges.autoResync) await reloadTables(pipe, [ddl.table]);
    return;
  }
  tables.setSchema(result.schema);
  change(result.done.join('; ') || 'nothing to change in ClickHouse');
}

/** Starts a resync of each table (online, one per table; one already running is left alone). */
export async function reloadTables(pipe: PipeRun, names: string[]): Promise<void> {
  for (const table of names) {
    try {
      await startChild('resyncWorkflow', {
        workflowId: resyncIdFor(pipe.config.name, [table]),
        args: [{ pipe: pipe.config.name, tables: [table] }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      recordSchemaChange(pipe.view, { table, statement: '', action: 'reload started (a resync of the table, online)' }, new Date());
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}
