import type { DiffPartInput } from '../contract/validation-io.js';
import { destinationColumnHashes, destinationKeyHashes } from '../clickhouse/row-checksum.js';
import { inConsistentSnapshot, sourceColumnHashes, sourceKeyHashes, type KeyedHash } from '../mysql/row-checksum.js';
import { withSource } from '../mysql/source-connector.js';
import { snapshotVersion } from '../pipe/version.js';
import { MAX_LISTED_KEYS, comparedColumns, type KeyDifference } from '../pipe/validation.js';
import type { KeyTuple } from '../pipe/table-schema.js';
import type { ActivityDeps } from './deps.js';
import { pipeHeld, pipeReached } from './pipe-calls.js';

/** Snapshots a part is compared at, at most, before a key that keeps differing is reported. */
const ATTEMPTS = 3;

/** Longest the pipe is held for a snapshot to open (it goes on by itself after that, if this activity died). */
const HOLD_SECONDS = 30;

export interface FoundDifferences {
  /** Every key that differs, by key identity. */
  keys: Map<string, KeyDifference>;
  /** Up to MAX_LISTED_KEYS of them, with the columns that differ. */
  listed: KeyDifference[];
  rowsCompared: number;
}

/** Keys whose rows differ between the source's and ClickHouse's reading of a part. */
function compareKeys(source: Map<string, KeyedHash>, destination: Map<string, { key: KeyTuple; hash: string; rows: number }>): Map<string, KeyDifference> {
  const out = new Map<string, KeyDifference>();
  for (const [id, s] of source) {
    const d = destination.get(id);
    if (!d) out.set(id, { key: s.key, kind: 'missing' });
    else if (d.rows > 1 || d.hash !== s.hash) out.set(id, { key: s.key, kind: 'different' });
  }
  for (const [id, d] of destination) if (!source.has(id)) out.set(id, { key: d.key, kind: 'extra' });
  return out;
}

/**
 * The keys of a part that differ. Each attempt opens a consistent snapshot,
 * waits until the pipe has applied every change up to the snapshot's
 * position, reads the source's rows in the snapshot and ClickHouse's as of
 * that position; it
 * holds the snapshot open meanwhile, so the columns of differing keys are
 * named from the same reading. A key changed after the snapshot may have
 * lost its older rows to a merge in ClickHouse; such a difference (or any,
 * where the source cannot give the snapshot's exact position) is checked
 * again at a later snapshot, and only keys that differ every time count.
 */
export async function diffPart(deps: ActivityDeps, input: DiffPartInput): Promise<FoundDifferences> {
  const { schema, part } = input;
  let suspects: Set<string> | null = null;
  for (let attempt = 1; ; attempt++) {
    const caller = `${input.run}/diff/${attempt}`;
    const { value } = await withSource(deps.source, input.source, async (conn) => {
      // The pipe is held between two batches while the snapshot opens, then its next batch ends at the
      // snapshot's position: ClickHouse "as of" it holds every key's row of that moment, not only the last
      // change of a batch that ran past it.
      if (input.pipe) await pipeHeld(deps, input.pipe, caller, HOLD_SECONDS);
      return inConsistentSnapshot(conn, async (position, exact) => {
        if (input.pipe) await pipeReached(deps, input.pipe, position, caller, { release: true });
        const source = await sourceKeyHashes(conn, input.source.database, schema, part);
        const asOf = input.pipe ? snapshotVersion(position) : null;
        const destination = await destinationKeyHashes(deps.destination, input, part, asOf);
        const keys = compareKeys(source, destination.live);
        if (suspects) for (const id of keys.keys()) if (!suspects.has(id)) keys.delete(id);
        const unsure = keys.size > 0 && (!exact || [...keys.keys()].some((id) => destination.moved.has(id)));
        if (unsure && attempt < ATTEMPTS) return { keys, unsure, listed: [], rows: source.size };
        // Final: name the columns of the keys listed, from this same reading.
        const listed = [...keys.entries()].slice(0, MAX_LISTED_KEYS);
        const different = listed.filter(([, d]) => d.kind === 'different').map(([id]) => id);
        const [before, after] = await Promise.all([
          sourceColumnHashes(conn, input.source.database, schema, part, different),
          destinationColumnHashes(deps.destination, input, part, asOf, different),
        ]);
        const columns = comparedColumns(schema);
        for (const id of different) {
          const [s, d] = [before.get(id), after.get(id)];
          const names = columns.filter((_, i) => s?.[i] !== d?.[i]).map((c) => c.name);
          keys.get(id)!.columns = names;
        }
        return { keys, unsure, listed: listed.map(([, d]) => d), rows: source.size };
      });
    });
    suspects = new Set(value.keys.keys());
    if (!value.unsure || attempt >= ATTEMPTS) return { keys: value.keys, listed: value.listed, rowsCompared: value.rows };
  }
}
