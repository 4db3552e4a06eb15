import { patched } from '@temporalio/workflow';
import type { TableSchema } from '../pipe/table-schema.js';
import { groupsOf } from '../pipe/lanes.js';
import { stepActivities } from './activity-options.js';

/** Patch id: soft deletes are carried CARRY_GROUP tables an activity, not one. */
const CARRIES_IN_GROUPS = 'carries-in-groups';

/**
 * Tables whose soft deletes one activity carries: a table's carry is a few
 * statements, less than the activity and workflow task around it. As many
 * as the other groups of a resync (16), so an input holds 16 schemas at most.
 */
const CARRY_GROUP = 16;

/** Each table's soft deletes carried into its `_resync` table (see carrySoftDeletes); the rows each holds, by table. */
export async function carrySoftDeletesOf(
  database: string,
  tables: { schema: TableSchema; marker: string }[],
  resyncSuffix: string,
): Promise<Map<string, number>> {
  const carried = new Map<string, number>();
  if (!patched(CARRIES_IN_GROUPS)) {
    for (const { schema, marker } of tables) carried.set(schema.table, await stepActivities.carrySoftDeletes({ database, schema, resyncSuffix, marker }));
    return carried;
  }
  for (const group of groupsOf(tables.map((t) => t.schema), CARRY_GROUP)) {
    const counts = await stepActivities.carryTablesSoftDeletes({ database, schemas: group, resyncSuffix });
    group.forEach((schema, i) => carried.set(schema.table, counts[i] ?? 0));
  }
  return carried;
}
