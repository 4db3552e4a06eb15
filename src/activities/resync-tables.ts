import type { ResyncTableInput, SwapOutcome } from '../contract/index.js';
import { carrySoftDeletes } from '../clickhouse/soft-delete-carry.js';
import { swapWithResync } from '../clickhouse/exchange-tables.js';
import type { ActivityDeps } from './deps.js';
import { crashPoint } from './crash-points.js';

export function resyncTableActivities(deps: ActivityDeps) {
  return {
    /** Soft-deleted rows of the old table, carried into the fresh one (idempotent). */
    async carrySoftDeletes(input: ResyncTableInput): Promise<number> {
      const { database, schema } = input;
      const carried = await carrySoftDeletes(deps.destination, database, schema.table, schema.table + input.resyncSuffix, schema);
      crashPoint('carry');
      return carried;
    },
    /** The atomic swap; a retry skips a table already swapped. */
    async swapTable(input: ResyncTableInput): Promise<SwapOutcome> {
      const { database, schema } = input;
      const outcome = await swapWithResync(deps.destination, database, schema.table, schema.table + input.resyncSuffix, input.marker);
      crashPoint('swap');
      return outcome;
    },
  };
}
