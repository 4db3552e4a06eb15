import { patched } from '@temporalio/workflow';
import type { PipeConfig } from '../pipe/config.js';
import { permanentFailure } from '../pipe/errors.js';
import { RESYNC_SUFFIX } from '../pipe/names.js';
import type { TableSchema } from '../pipe/table-schema.js';
import type { KeyDifference, TableValidation } from '../pipe/validation.js';
import { loadActivities } from './activity-options.js';
import { inLanes } from '../pipe/lanes.js';
import { validateTargets, type ValidationRun } from './table-validation.js';
import { RESULTS_TOGETHER, report } from './validate.js';

/** Differences named in the message of a table that still differs. */
const NAMED = 5;

function describe(d: KeyDifference): string {
  const key = d.key.length === 1 ? String(d.key[0]) : JSON.stringify(d.key);
  return d.kind === 'different' ? `${key} different in ${d.columns?.join(', ') || 'its values'}` : `${key} ${d.kind}`;
}

/**
 * Validate before swap: each loaded `_resync` table is compared with the
 * source (CDC writes it meanwhile, so as of snapshots the pipe has reached,
 * as any validation); what differs is repaired and checked again. A table
 * that still differs fails the step with its differences, and nothing is
 * swapped: the live tables stay in service (resume checks again).
 */
export async function checkShadows(config: PipeConfig, resync: string, run: string, shadows: TableSchema[]): Promise<void> {
  const validation: ValidationRun = {
    config,
    following: true,
    by: resync,
    run,
    progress: { partsDone: 0, partsTotal: 0, rowsCompared: 0, differingKeys: 0 },
  };
  const targets = shadows.map((schema) => ({ schema, table: schema.table + RESYNC_SUFFIX }));
  const found = await validateTargets(validation, targets);
  const still: string[] = [];
  const together = patched(RESULTS_TOGETHER);
  const results: Record<string, TableValidation> = {};
  for (const target of targets) {
    const name = target.schema.table;
    let result: TableValidation = found[name]!;
    if (result.differingKeys > 0) {
      let repairedKeys = 0;
      await inLanes(result.partsToRepair, config.settings.snapshotParallelThreads, async (part) => {
        const done = await loadActivities.repairPart({
          source: config.source,
          database: config.destination.database,
          table: target.table,
          schema: target.schema,
          part,
          pipe: config.name,
          run,
        });
        repairedKeys += done.keysRepaired;
      });
      const checked = (await validateTargets(validation, [{ ...target, parts: result.partsToRepair }]))[name]!;
      result = { ...checked, rowsCompared: result.rowsCompared, parts: result.parts, repairedKeys };
    }
    if (together) results[name] = result;
    else await report(config.name, { [name]: result });
    if (result.differingKeys > 0) {
      const named = result.differences.slice(0, NAMED).map(describe).join(', ');
      still.push(`table "${name}": its new table differs from the source after a repair: ${result.differingKeys} key${result.differingKeys === 1 ? '' : 's'} (${named})`);
    }
  }
  if (together) await report(config.name, results);
  if (still.length > 0) {
    throw permanentFailure(`${still.join('; ')}; not swapped in, the live table stays in service (pipectl resume checks again, pipectl drop ends the resync)`);
  }
}
