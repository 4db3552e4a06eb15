import type { DiffPartInput, RepairPartResult } from '../contract/validation-io.js';
import { destinationNow, markDeleted } from '../clickhouse/row-checksum.js';
import { encodeRow } from '../clickhouse/row-encoder.js';
import { insertColumns } from '../clickhouse/table-ddl.js';
import { InsertBody } from '../clickhouse/insert-body.js';
import { dedupToken } from '../clickhouse/dedup-token.js';
import { inConsistentSnapshot, sourceRowsByKeyId } from '../mysql/row-checksum.js';
import { withSource } from '../mysql/source-connector.js';
import { snapshotVersion } from '../pipe/version.js';
import type { ActivityDeps } from './deps.js';
import { diffPart } from './part-diff.js';

/** Above this many differing keys, the whole part is written again (one range read instead of a long key list). */
const KEYS_PER_REPAIR = 5_000;

/**
 * Repairs one part: finds its differing keys again (a repair acts on what
 * differs now), then, in a consistent snapshot at position P, writes the
 * source's rows of those keys with P's version, then every other live row
 * of those keys (gone at the source, or under another sorting key) as
 * deleted with P's version (at equal versions the row inserted last wins).
 * A change after P carries a later version and wins over both, whatever
 * order the pipe writes it in; a change before P that the pipe writes later
 * loses to them, and P's rows already hold it. Nothing is removed before
 * its replacement is there: the rows go first.
 */
export async function repairPart(deps: ActivityDeps, input: DiffPartInput): Promise<RepairPartResult> {
  const found = await diffPart(deps, input);
  if (found.keys.size === 0) return { keysRepaired: 0, rowsWritten: 0 };
  const keyIds = found.keys.size <= KEYS_PER_REPAIR ? [...found.keys.keys()] : null;
  const { position, value: rows } = await withSource(deps.source, input.source, (conn) =>
    inConsistentSnapshot(conn, () => sourceRowsByKeyId(conn, input.source.database, input.schema, input.part, keyIds)),
  );
  const version = snapshotVersion(position);
  const encoded = rows.map((r) => encodeRow(input.schema, r.row, version, false));
  const token = dedupToken.repair(input.run, input.table, input.part, version);
  const since = await destinationNow(deps.destination);
  await deps.destination.insert(input.database, input.table, insertColumns(input.schema), InsertBody.of(encoded), `${token}/rows`);
  await markDeleted(deps.destination, input, input.part, keyIds, version, since, `${token}/deleted`);
  return { keysRepaired: found.keys.size, rowsWritten: encoded.length };
}
