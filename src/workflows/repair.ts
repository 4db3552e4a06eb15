import type { RepairWorkflowResult } from '../contract/workflow-io.js';
import type { ValidateRequest } from '../pipe/validation.js';
import { loadActivities } from './activity-options.js';
import { inLanes } from '../pipe/lanes.js';
import { validateTargets } from './table-validation.js';
import { report, startValidation } from './validate.js';

/**
 * Repair (workflow id `repair:<pipe>`): for each part the last validation
 * found different, the keys that differ now are written again from the
 * source (see activities/repair-part.ts), then those parts are validated
 * again; the pipe's status shows the outcome.
 */
export async function repairWorkflow(input: ValidateRequest): Promise<RepairWorkflowResult> {
  const { request, pipe, run } = await startValidation(input);
  const { config } = pipe;
  const result: RepairWorkflowResult = { tables: {} };
  for (const schema of pipe.schemas) {
    const parts = pipe.partsToRepair[schema.table];
    if (!parts?.length || (request.tables && !request.tables.includes(schema.table))) continue;
    let keysRepaired = 0;
    await inLanes(parts, config.settings.snapshotParallelThreads, async (part) => {
      const repaired = await loadActivities.repairPart({
        source: config.source,
        database: config.destination.database,
        table: schema.table,
        schema,
        part,
        pipe: config.name,
        run: run.run,
      });
      keysRepaired += repaired.keysRepaired;
    });
    const checked = await validateTargets(run, [{ schema, table: schema.table, parts }]);
    result.tables[schema.table] = { keysRepaired, validation: { ...checked[schema.table]!, repairedKeys: keysRepaired } };
  }
  await report(request.pipe, Object.fromEntries(Object.entries(result.tables).map(([t, r]) => [t, r.validation])));
  return result;
}
