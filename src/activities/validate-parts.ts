import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import type {
  DestinationChecksumInput,
  DestinationChecksumsInput,
  SourceChecksumsInput,
  SourceChecksumsResult,
  DiffPartInput,
  PartDiff,
  RepairPartResult,
  PlanValidationInput,
  PlanValidationsInput,
  SourceChecksumInput,
  SourceChecksumResult,
  ValidationPlan,
} from '../contract/validation-io.js';
import { destinationChecksums } from '../clickhouse/row-checksum.js';
import { bucketCount, comparesByRange, type PartChecksum } from '../pipe/validation.js';
import { planChunks } from '../mysql/chunk-planner.js';
import { estimatedRows } from '../mysql/table-size.js';
import { inConsistentSnapshot, sourceChecksums } from '../mysql/row-checksum.js';
import { withSource } from '../mysql/source-connector.js';
import type { ActivityDeps } from './deps.js';
import { crashPoint } from './crash-points.js';
import { diffPart } from './part-diff.js';
import { repairPart } from './repair-part.js';

/**
 * A validation's activities: split a table, checksum a part at the source
 * (inside a consistent snapshot, with its binlog position) and in
 * ClickHouse (as of that position), and find the keys of a part that
 * differ. Each is retried on its own, so a crashed validation goes on with
 * the parts it had not finished.
 */
export function validationActivities(deps: ActivityDeps) {
  /** Each table's load chunks when both sides order its key alike, else buckets of a key hash of about as many rows. */
  const planValidations = (input: PlanValidationsInput): Promise<ValidationPlan[]> =>
    withSource(deps.source, input.source, async (conn) => {
      const plans: ValidationPlan[] = [];
      for (const schema of input.schemas) {
        if (comparesByRange(schema)) plans.push({ ranges: await planChunks(conn, input.source.database, schema, input.rowsPerPart) });
        else plans.push({ buckets: bucketCount(await estimatedRows(conn, input.source.database, [schema.table]), input.rowsPerPart) });
      }
      return plans;
    });
  return {
    /** One table's plan (see planValidations). */
    async planValidation(input: PlanValidationInput): Promise<ValidationPlan> {
      const [plan] = await planValidations({ source: input.source, schemas: [input.schema], rowsPerPart: input.rowsPerPart });
      return plan!;
    },
    /** Several tables' plans: one activity (and one workflow task) for a group of small tables, not one each. */
    planValidations,

    async checksumSource(input: SourceChecksumInput): Promise<SourceChecksumResult> {
      const started = Date.now();
      const { position, value: sums } = await withSource(deps.source, input.source, (conn) =>
        inConsistentSnapshot(conn, () => sourceChecksums(conn, input.source.database, input.schema, input.scope)),
      );
      crashPoint('validate');
      // Under a cap, a part is followed by the pause its rows are worth.
      if (input.maxRowsPerSecond) {
        const rows = sums.reduce((n, s) => n + s.rows, 0);
        const ahead = (rows / input.maxRowsPerSecond) * 1000 - (Date.now() - started);
        if (ahead > 0) await sleep(ahead, undefined, { signal: Context.current().cancellationSignal });
      }
      return { position, sums };
    },

    async checksumDestination(input: DestinationChecksumInput): Promise<PartChecksum[]> {
      return destinationChecksums(deps.destination, input, input.scope, input.asOf);
    },

    /**
     * Several small tables' parts inside one consistent snapshot (one
     * position for them all): one activity and one workflow task for a
     * group, not one a table (a validation of 300 small tables spent more
     * on those than on the checksums).
     */
    async checksumSources(input: SourceChecksumsInput): Promise<SourceChecksumsResult> {
      const { position, value: sums } = await withSource(deps.source, input.source, (conn) =>
        inConsistentSnapshot(conn, async () => {
          const all: PartChecksum[][] = [];
          for (const p of input.parts) all.push(await sourceChecksums(conn, input.source.database, p.schema, p.scope));
          return all;
        }),
      );
      crashPoint('validate');
      return { position, sums };
    },

    async checksumDestinations(input: DestinationChecksumsInput): Promise<PartChecksum[][]> {
      const all: PartChecksum[][] = [];
      for (const p of input.parts) all.push(await destinationChecksums(deps.destination, { database: input.database, table: p.table, schema: p.schema }, p.scope, input.asOf));
      return all;
    },

    async diffPart(input: DiffPartInput): Promise<PartDiff> {
      const found = await diffPart(deps, input);
      return { differences: found.listed, differingKeys: found.keys.size, rowsCompared: found.rowsCompared };
    },

    async repairPart(input: DiffPartInput): Promise<RepairPartResult> {
      const repaired = await repairPart(deps, input);
      crashPoint('repair');
      return repaired;
    },
  };
}
