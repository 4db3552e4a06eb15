import { z } from 'zod';
import type { Chunk } from './chunk.js';
import { PipeConfigError } from './errors.js';
import type { KeyTuple, ReplicatedColumn, TableSchema } from './table-schema.js';

/**
 * Validation: a table compared with its source, part by part, by row count
 * and an order-independent checksum over every replicated column. Pure
 * data and rules, shared by the workflows, the activities and the CLI.
 */

/** At most this many differing keys are listed per table. */
export const MAX_LISTED_KEYS = 1_000;

/**
 * A part of a table compared at once: a key range (a chunk of the load),
 * or, for keys that MySQL and ClickHouse order differently, one of
 * `buckets` buckets of a hash of the key (a range would hold other rows on
 * each side).
 */
export type ValidationPart = { range: Chunk } | { bucket: number; buckets: number };

/** What one checksum query covers: a range, or every bucket of a table at once (one scan). */
export type ChecksumScope = { range: Chunk } | { buckets: number };

/**
 * Count and checksum of a part's live rows. Each row hashes to a 32-bit
 * CRC32 of its canonical text; the checksum is `sum:squares`, the exact sum
 * of the row hashes and the sum of their squares mod 2^64, as decimal text.
 * Not an XOR: CRC32 is linear, so two rows changed alike (the same bytes at
 * the same offsets) cancel out of an XOR; both sums stay equal only when the
 * two sides' row hashes are the same multiset.
 */
export interface PartChecksum {
  rows: number;
  hash: string;
}

/** A checksum query's result row: bucket (0 for a range), row count, sum and sum of squares of the row hashes. */
export interface ChecksumRow {
  b: unknown;
  n: unknown;
  s: unknown;
  q: unknown;
}

/** A scope's checksums from its query's rows, one per bucket (a part with no rows has none). */
export function partChecksums(scope: ChecksumScope, rows: readonly ChecksumRow[]): PartChecksum[] {
  const sums: PartChecksum[] = Array.from({ length: 'range' in scope ? 1 : scope.buckets }, () => ({ rows: 0, hash: '0:0' }));
  for (const r of rows) sums[Number(r.b)] = { rows: Number(r.n), hash: `${String(r.s)}:${String(r.q)}` };
  return sums;
}

/** A key whose rows differ: missing from ClickHouse, extra there, or different (with the columns that differ). */
export interface KeyDifference {
  /** The key's values, as the source (or, for extra keys, ClickHouse) holds them. */
  key: KeyTuple;
  kind: 'missing' | 'extra' | 'different';
  columns?: string[];
}

/** A table's last validation, as the pipe's status shows it. */
export interface TableValidation {
  /** When it ended (ISO time). */
  at: string;
  /** The workflow that ran it (a validation, or a resync checking a table before its swap). */
  by: string;
  rowsCompared: number;
  parts: number;
  /** Keys that differ (all of them, also those not listed). */
  differingKeys: number;
  /** Up to MAX_LISTED_KEYS of them. */
  differences: KeyDifference[];
  /** The parts that differ, for a repair. */
  partsToRepair: ValidationPart[];
  /** Why the table was not compared (a table the pipe has stopped), when it was not. */
  skipped?: string;
  /** Set by a repair: the keys it wrote again; the counts above are then those of the parts it repaired. */
  repairedKeys?: number;
}

/** Key kinds that MySQL and ClickHouse order alike, so a key range selects the same rows on both sides. */
const RANGE_KEY_KINDS = new Set<ReplicatedColumn['kind']>(['int', 'year', 'bit', 'decimal', 'float', 'date', 'datetime', 'bytes']);

/** Whether a table is compared by key ranges (its load's chunks) rather than by buckets of a key hash. */
export function comparesByRange(schema: TableSchema): boolean {
  return schema.key.every((k) => {
    const kind = schema.columns.find((c) => c.name === k)?.kind;
    return kind !== undefined && RANGE_KEY_KINDS.has(kind);
  });
}

/** How many buckets a table compared by key hash gets: about `rowsPerPart` rows each. */
export function bucketCount(estimatedRows: number, rowsPerPart: number): number {
  return Math.max(1, Math.min(4_096, Math.ceil(estimatedRows / rowsPerPart)));
}

/** The columns compared: the table's replicated columns that the source still has. */
export function comparedColumns(schema: TableSchema): ReplicatedColumn[] {
  const dropped = new Set(schema.droppedAtSource ?? []);
  return schema.columns.filter((c) => !dropped.has(c.name));
}

/** A part, for messages: its key range or its bucket. */
export function describePart(part: ValidationPart): string {
  if ('bucket' in part) return `key-hash bucket ${part.bucket + 1} of ${part.buckets}`;
  const show = (k: KeyTuple | null) => (k ? JSON.stringify(k) : '∞');
  return `keys ${part.range.lower ? `after ${show(part.range.lower)}` : 'from the first'} to ${part.range.upper ? show(part.range.upper) : 'the last'}`;
}

export const validateRequestSchema = z
  .object({
    pipe: z.string().min(1, 'must name the pipe to validate'),
    /** Only these tables; all when absent. */
    tables: z.array(z.string().min(1, 'must not be empty')).min(1, 'must name at least one table').optional(),
    /** Cap on the rows compared per second at the source. */
    maxRowsPerSecond: z.number().int('must be a whole number').min(1, 'must be at least 1').optional(),
  })
  .strict();

export type ValidateRequest = z.input<typeof validateRequestSchema>;
export type ParsedValidateRequest = z.output<typeof validateRequestSchema>;

/** A validation or repair request, checked (every bad field named). */
export function parseValidateRequest(input: unknown): ParsedValidateRequest {
  const r = validateRequestSchema.safeParse(input);
  if (!r.success) throw new PipeConfigError(r.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`));
  return r.data;
}
