import type { SourceConfig } from '../mysql/connection-options.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { planChunks, type Chunk } from '../mysql/chunk-planner.js';
import type { ActivityDeps } from './deps.js';
import { withSource } from '../mysql/source-connector.js';

export interface PlanChunksInput {
  source: SourceConfig;
  schema: TableSchema;
  rowsPerPartition: number;
}

export function planChunksActivity(deps: ActivityDeps) {
  return async function planTableChunks(input: PlanChunksInput): Promise<Chunk[]> {
    return withSource(deps.source, input.source, (conn) =>
      planChunks(conn, input.source.database, input.schema, input.rowsPerPartition),
    );
  };
}
