import type { Destination } from './destination.js';
import { destinationNullable, type KeyTuple, type ReplicatedColumn, type TableSchema } from '../pipe/table-schema.js';
import { comparedColumns, partChecksums, type ChecksumRow, type ChecksumScope, type PartChecksum, type ValidationPart } from '../pipe/validation.js';
import { chunkRangeSql } from './mysql-pull.js';
import { qualifiedChTable, quoteChIdent, quoteChString } from './quote.js';
import { DELETED_COLUMN, SYNCED_AT_COLUMN, VERSION_COLUMN } from './table-ddl.js';

/**
 * ClickHouse's side of a validation (see mysql/row-text.ts): the same
 * canonical text per value, written from the stored value, the same
 * hashes and sums. A part is read as of a binlog version: for each sorting key the
 * row with the highest version at or below it (what FINAL showed when the
 * pipe had applied exactly that much), live unless that row is a delete.
 */

const VERSION = quoteChIdent(VERSION_COLUMN);
const DELETED = quoteChIdent(DELETED_COLUMN);

/** A float's exact value as `sign exponent:mantissa`, as MySQL's side computes it. */
function floatCanonical(v: string): string {
  const x = `toFloat64(${v})`;
  const a = `abs(${x})`;
  const tiny = `(${a} < pow(2, -900))`;
  const s = `(${a} * if(${tiny}, pow(2, 600), 1))`;
  const e0 = `least(floor(log2(${s})), 1023)`;
  const m0 = `(${s} / pow(2, ${e0}))`;
  const e = `(${e0} + (${m0} >= 2) - (${m0} < 1))`;
  return (
    `if(${x} = 0, '0', concat(if(${x} < 0, '-', ''), toString(toInt64(${e} - if(${tiny}, 600, 0))), ':', ` +
    `toString(toUInt64(${s} / pow(2, ${e}) * 4503599627370496))))`
  );
}

/** A stored value as text, the same text MySQL's side writes for the source's value. */
function canonical(col: ReplicatedColumn): string {
  const x = quoteChIdent(col.name);
  switch (col.kind) {
    case 'decimal':
      return `toDecimalString(${x}, ${Number(/, (\d+)\)$/.exec(col.clickhouseType)?.[1] ?? 0)})`;
    case 'float':
      return floatCanonical(x);
    case 'ipv6':
      return `hex(${x})`;
    case 'bytes':
    case 'geometry':
    case 'time':
    case 'json':
    case 'string':
      return x;
    default:
      return `toString(${x})`;
  }
}

/** A value as a self-delimiting field: its length, a colon, the bytes; `N` for NULL. */
function field(schema: TableSchema, col: ReplicatedColumn): string {
  const v = canonical(col);
  const text = `concat(toString(length(${v})), ':', ${v})`;
  return destinationNullable(schema, col) ? `if(isNull(${quoteChIdent(col.name)}), 'N', assumeNotNull(${text}))` : text;
}

const textOf = (schema: TableSchema, cols: ReplicatedColumn[]) => `concat(${cols.map((c) => field(schema, c)).join(', ')}, '')`;
const keyColumns = (schema: TableSchema) => schema.key.map((k) => schema.columns.find((c) => c.name === k)!);
const hash64 = (md5: string) => `reinterpretAsUInt64(reverse(substring(${md5}, 1, 8)))`;

function checksumSql(schema: TableSchema) {
  const keyMd5 = `MD5(${textOf(schema, keyColumns(schema))})`;
  return {
    rowHash: `CRC32(${textOf(schema, comparedColumns(schema))})`,
    keyId: `lower(hex(${keyMd5}))`,
    bucket: (buckets: number) => `(${hash64(keyMd5)} % ${Number(buckets)})`,
    columnHash: (col: ReplicatedColumn) => `lower(hex(substring(MD5(${field(schema, col)}), 1, 8)))`,
  };
}

function partWhere(schema: TableSchema, part: ValidationPart): string {
  if ('range' in part) return chunkRangeSql(schema, part.range.lower, part.range.upper);
  return `${checksumSql(schema).bucket(part.buckets)} = ${Number(part.bucket)}`;
}

/** Rows up to this version (null: every row, for a pipe that does not follow the binlog). */
const upTo = (asOf: number | null) => (asOf === null ? '1' : `${VERSION} <= ${Number(asOf)}`);
const groupBy = (schema: TableSchema) => schema.orderBy.map(quoteChIdent).join(', ');

export interface DestinationTable {
  database: string;
  table: string;
  schema: TableSchema;
}

/** Count and checksum of a part's live rows as of `asOf`; for a table compared by buckets, every bucket at once. */
export async function destinationChecksums(dest: Destination, t: DestinationTable, part: ChecksumScope, asOf: number | null): Promise<PartChecksum[]> {
  const sql = checksumSql(t.schema);
  const bucket = 'range' in part ? '0' : sql.bucket(part.buckets);
  // Aliases of their own: ClickHouse aliases share one namespace with the table's columns.
  const rows = await dest.query<ChecksumRow>(
    `SELECT __b AS b, count() AS n, toString(sum(__h)) AS s, toString(sumWithOverflow(toUInt64(__h) * __h)) AS q FROM (` +
      `SELECT any(${bucket}) AS __b, argMax(${sql.rowHash}, ${VERSION}) AS __h, argMax(${DELETED}, ${VERSION}) AS __d ` +
      `FROM ${qualifiedChTable(t.database, t.table)} WHERE (${'range' in part ? chunkRangeSql(t.schema, part.range.lower, part.range.upper) : '1'}) AND ${upTo(asOf)} ` +
      `GROUP BY ${groupBy(t.schema)}) WHERE __d = 0 GROUP BY __b`,
  );
  return partChecksums(part, rows);
}

/** A part's live rows as of `asOf`, by key identity; `moved` marks keys changed after it (their older rows may be merged away). */
export async function destinationKeyHashes(
  dest: Destination,
  t: DestinationTable,
  part: ValidationPart,
  asOf: number | null,
): Promise<{ live: Map<string, { key: KeyTuple; hash: string; rows: number }>; moved: Set<string> }> {
  const sql = checksumSql(t.schema);
  const cond = upTo(asOf);
  const keys = t.schema.key.map((k) => `toString(any(${quoteChIdent(k)}))`).join(', ');
  const rows = await dest.query<{ k: string; h: string; d: number; seen: string; moved: number; key: string[] }>(
    `SELECT __k AS k, toString(__h) AS h, __d AS d, __seen AS seen, __moved AS moved, __key AS key FROM (` +
      `SELECT any(${sql.keyId}) AS __k, argMaxIf(${sql.rowHash}, ${VERSION}, ${cond}) AS __h, argMaxIf(${DELETED}, ${VERSION}, ${cond}) AS __d, ` +
      `countIf(${cond}) AS __seen, countIf(NOT (${cond})) > 0 AS __moved, [${keys}] AS __key ` +
      `FROM ${qualifiedChTable(t.database, t.table)} WHERE ${partWhere(t.schema, part)} GROUP BY ${groupBy(t.schema)})`,
  );
  const live = new Map<string, { key: KeyTuple; hash: string; rows: number }>();
  const moved = new Set<string>();
  for (const r of rows) {
    if (Number(r.moved)) moved.add(r.k);
    if (Number(r.seen) === 0 || Number(r.d)) continue;
    // Two live rows of one key (a sorting key that changed): shown as a difference.
    const had = live.get(r.k);
    live.set(r.k, { key: r.key, hash: had ? `${had.hash}+${r.h}` : r.h, rows: (had?.rows ?? 0) + 1 });
  }
  return { live, moved };
}

/** Each column's value hash for these keys (key identity → hashes in compared-column order), as of `asOf`. */
export async function destinationColumnHashes(
  dest: Destination,
  t: DestinationTable,
  part: ValidationPart,
  asOf: number | null,
  keyIds: string[],
): Promise<Map<string, string[]>> {
  if (keyIds.length === 0) return new Map();
  const sql = checksumSql(t.schema);
  const cond = upTo(asOf);
  const cols = comparedColumns(t.schema).map((c) => `argMaxIf(${sql.columnHash(c)}, ${VERSION}, ${cond})`);
  const rows = await dest.query<{ __k: string; __c: string[] }>(
    `SELECT any(${sql.keyId}) AS __k, [${cols.join(', ')}] AS __c FROM ${qualifiedChTable(t.database, t.table)} ` +
      `WHERE ${partWhere(t.schema, part)} AND ${sql.keyId} IN (${keyIds.map(quoteChString).join(', ')}) GROUP BY ${groupBy(t.schema)}`,
  );
  return new Map(rows.map((r) => [r.__k, r.__c]));
}

/** The destination's clock now, in milliseconds as `_peerdb_synced_at` defaults to (rows inserted from now on are at or past it). */
export async function destinationNow(dest: Destination): Promise<string> {
  const [r] = await dest.query<{ now: string }>('SELECT toString(now64(3)) AS now');
  return r!.now;
}

/**
 * Writes the live rows of a part (those with these key identities, or all
 * for null) again as deleted, with `version`, but for rows written since
 * `since` (a repair's own rows, written just before: at equal versions the
 * row inserted last wins, so the deletes win over the rows they replace).
 * Rows of a later version (later changes) are left as they are, and win.
 */
export async function markDeleted(
  dest: Destination,
  t: DestinationTable,
  part: ValidationPart,
  keyIds: string[] | null,
  version: number,
  since: string,
  token: string,
): Promise<void> {
  if (keyIds?.length === 0) return;
  const sql = checksumSql(t.schema);
  const cols = t.schema.columns.map((c) => quoteChIdent(c.name)).join(', ');
  const only = keyIds ? ` AND ${sql.keyId} IN (${keyIds.map(quoteChString).join(', ')})` : '';
  await dest.command(
    `INSERT INTO ${qualifiedChTable(t.database, t.table)} (${cols}, ${VERSION}, ${DELETED}) ` +
      `SELECT ${cols}, ${Number(version)}, 1 FROM ${qualifiedChTable(t.database, t.table)} FINAL ` +
      `WHERE ${partWhere(t.schema, part)}${only} AND ${VERSION} <= ${Number(version)} ` +
      `AND ${quoteChIdent(SYNCED_AT_COLUMN)} < toDateTime64(${quoteChString(since)}, 3) ` +
      `SETTINGS insert_deduplication_token = ${quoteChString(token)}`,
  );
}
