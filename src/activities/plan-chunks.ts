import type { PlanChunksInput, PlanTablesChunksInput } from '../contract/activity-io.js';
import type { Chunk } from '../pipe/chunk.js';
import { planChunks } from '../mysql/chunk-planner.js';
import { withSource } from '../mysql/source-connector.js';
import type { ActivityDeps } from './deps.js';

export function planChunksActivities(deps: ActivityDeps) {
  /** Several tables' chunks, in the order of `schemas`, on one connection: small tables cost one activity per group, not one each. */
  async function planTablesChunks(input: PlanTablesChunksInput): Promise<Chunk[][]> {
    return withSource(deps.source, input.source, async (conn) => {
      const plans: Chunk[][] = [];
      for (const schema of input.schemas) plans.push(await planChunks(conn, input.source.database, schema, input.rowsPerPartition));
      return plans;
    });
  }
  return {
    /** One table's key-range chunks (see mysql/chunk-planner.ts): a resync's shadow, or a load from before groups. */
    async planTableChunks(input: PlanChunksInput): Promise<Chunk[]> {
      const [chunks] = await planTablesChunks({ source: input.source, schemas: [input.schema], rowsPerPartition: input.rowsPerPartition });
      return chunks ?? [];
    },
    planTablesChunks,
  };
}
