import type { PlanChunksInput, PlanTablesChunksInput } from '../contract/activity-io.js';
import type { Chunk } from '../pipe/chunk.js';
import { planChunks } from '../mysql/chunk-planner.js';
import { withSource } from '../mysql/source-connector.js';
import type { ActivityDeps } from './deps.js';

export function planChunksActivities(deps: ActivityDeps) {
  return {
    /** A table's key-range chunks (see mysql/chunk-planner.ts). */
    async planTableChunks(input: PlanChunksInput): Promise<Chunk[]> {
      return withSource(deps.source, input.source, (conn) => planChunks(conn, input.source.database, input.schema, input.rowsPerPartition));
    },
    /** Several tables' chunks, in the order of `schemas`, on one connection: small tables cost one activity per group, not one each. */
    async planTablesChunks(input: PlanTablesChunksInput): Promise<Chunk[][]> {
      return withSource(deps.source, input.source, async (conn) => {
        const plans: Chunk[][] = [];
        for (const schema of input.schemas) plans.push(await planChunks(conn, input.source.database, schema, input.rowsPerPartition));
        return plans;
      });
    },
  };
}
