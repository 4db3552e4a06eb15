import type { PlanChunksInput } from '../contract/activity-io.js';
import type { Chunk } from '../pipe/chunk.js';
import { planChunks } from '../mysql/chunk-planner.js';
import { withSource } from '../mysql/source-connector.js';
import type { ActivityDeps } from './deps.js';

export function planChunksActivity(deps: ActivityDeps) {
  /** A table's key-range chunks (see mysql/chunk-planner.ts). */
  return async function planTableChunks(input: PlanChunksInput): Promise<Chunk[]> {
    return withSource(deps.source, input.source, (conn) => planChunks(conn, input.source.database, input.schema, input.rowsPerPartition));
  };
}
