import { Context } from '@temporalio/activity';
import type { CarryTablesInput, ResyncTableInput, SwapOutcome, SwapTablesInput } from '../contract/index.js';
import { carrySoftDeletes } from '../clickhouse/soft-delete-carry.js';
import { swapWithResync } from '../clickhouse/exchange-tables.js';
import type { ActivityDeps } from './deps.js';
import { crashPoint } from './crash-points.js';
import { keepAlive } from './keep-alive.js';

export function resyncTableActivities(deps: ActivityDeps) {
  return {
    /** Soft-deleted rows of the old table, carried into the fresh one (idempotent). */
    async carrySoftDeletes(input: ResyncTableInput): Promise<number> {
      const { database, schema } = input;
      const carried = await carrySoftDeletes(deps.destination, database, schema.table, schema.table + input.resyncSuffix, schema);
      crashPoint('carry');
      return carried;
    },
    /**
     * The same for several tables, one after another, in the input's order:
     * one activity and one workflow task for them all (a pipe of 300 small
     * tables spent about 110 ms a table on them). A retry carries them all
     * again, which inserts nothing more.
     */
    async carryTablesSoftDeletes(input: CarryTablesInput): Promise<number[]> {
      const { database, schemas, resyncSuffix } = input;
      const carried: number[] = [];
      const stop = keepAlive(Context.current(), () => ({ tables: carried.length }));
      try {
        for (const schema of schemas) carried.push(await carrySoftDeletes(deps.destination, database, schema.table, schema.table + resyncSuffix, schema));
      } finally {
        stop();
      }
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
    /**
     * The same for several tables, one after another, in the input's order:
     * one activity (and one workflow task of the pipe, which holds CDC
     * meanwhile) for them all. A retry finds the tables swapped already.
     */
    async swapTables(input: SwapTablesInput): Promise<SwapOutcome[]> {
      const outcomes: SwapOutcome[] = [];
      for (const { schema, marker } of input.tables) {
        outcomes.push(await swapWithResync(deps.destination, input.database, schema.table, schema.table + input.resyncSuffix, marker));
        crashPoint('swap');
      }
      return outcomes;
    },
  };
}
