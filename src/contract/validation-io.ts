import type { SourceConfig } from '../pipe/config.js';
import type { Chunk } from '../pipe/chunk.js';
import type { BinlogPosition } from '../pipe/status.js';
import type { TableSchema } from '../pipe/table-schema.js';
import type { ChecksumScope, KeyDifference, PartChecksum, ValidationPart } from '../pipe/validation.js';

// What crosses Temporal between a validation (or a repair) and its activities.

/** The destination table a validation compares, with the schema its rows were written with. */
export interface ComparedTable {
  source: SourceConfig;
  database: string;
  /** The destination table (the live one, or a resync's `_resync` table). */
  table: string;
  schema: TableSchema;
}

/** How a table is split for a validation: its load's key ranges, or buckets of a key hash. */
export type ValidationPlan = { ranges: Chunk[] } | { buckets: number };

export interface PlanValidationInput {
  source: SourceConfig;
  schema: TableSchema;
  rowsPerPart: number;
}

/** Several tables' plans, on one connection. */
export interface PlanValidationsInput {
  source: SourceConfig;
  schemas: TableSchema[];
  rowsPerPart: number;
}

export interface SourceChecksumInput extends ComparedTable {
  scope: ChecksumScope;
  /** This part's share of the validation's cap on rows read per second, if any. */
  maxRowsPerSecond?: number;
}

export interface SourceChecksumResult {
  /** The snapshot's binlog position: the destination is read as of it. */
  position: BinlogPosition;
  /** One checksum (a range), or one per bucket. */
  sums: PartChecksum[];
}

/** A part of one table, among several a single activity checksums. */
export interface TablePart {
  table: string;
  schema: TableSchema;
  scope: ChecksumScope;
}

/** Several small tables' parts, checksummed at the source inside one consistent snapshot. */
export interface SourceChecksumsInput {
  source: SourceConfig;
  parts: TablePart[];
}

export interface SourceChecksumsResult {
  /** The one snapshot's binlog position. */
  position: BinlogPosition;
  /** Each part's checksums, in the input's order. */
  sums: PartChecksum[][];
}

/** The same parts in ClickHouse, as of one version. */
export interface DestinationChecksumsInput {
  database: string;
  parts: TablePart[];
  asOf: number | null;
}

export interface DestinationChecksumInput extends ComparedTable {
  scope: ChecksumScope;
  /** Read as of this version (null: every row, the pipe not following the binlog). */
  asOf: number | null;
}

export interface DiffPartInput extends ComparedTable {
  part: ValidationPart;
  /** The pipe to wait for at each snapshot (null: it does not follow the binlog). */
  pipe: string | null;
  /** Identifies the caller's run (update ids). */
  run: string;
}

export interface PartDiff {
  /** Keys that differ, with what differs (at most MAX_LISTED_KEYS). */
  differences: KeyDifference[];
  /** All the keys that differ. */
  differingKeys: number;
  rowsCompared: number;
}

export interface RepairPartResult {
  /** Keys found different and written again from the source. */
  keysRepaired: number;
  /** Rows read from the source and written. */
  rowsWritten: number;
}
