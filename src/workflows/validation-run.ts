import type { ComparedTable, SourceChecksumResult } from '../contract/validation-io.js';
import type { ValidationProgress } from '../contract/messages.js';
import type { PipeConfig } from '../pipe/config.js';
import type { TableSchema } from '../pipe/table-schema.js';
import type { ChecksumScope, ValidationPart } from '../pipe/validation.js';

/** What a validation compares: one destination table, against its source table. */
export interface ValidationTarget {
  schema: TableSchema;
  /** The destination table (the live one, or a `_resync` table). */
  table: string;
  /** Only these parts (a repair checking what it repaired); the whole table when absent. */
  parts?: ValidationPart[];
}

export interface ValidationRun {
  config: PipeConfig;
  /** Whether the pipe follows the binlog: each part is then compared as of its source snapshot, once the pipe has reached it. */
  following: boolean;
  /** The workflow running it (shown with the results). */
  by: string;
  /** Unique to this run (the ids of its requests to the pipe). */
  run: string;
  maxRowsPerSecond?: number;
  progress: ValidationProgress;
}

/** A part (or a table's buckets) to checksum on both sides. */
export interface WorkItem {
  target: ValidationTarget;
  scope: ChecksumScope;
  /** The parts of `scope` that count (a bucket scope covers every bucket). */
  parts: ValidationPart[];
  source?: SourceChecksumResult;
}

/** The source and destination of a target, as the validation activities take them. */
export function comparedTable(run: ValidationRun, target: ValidationTarget): ComparedTable {
  return { source: run.config.source, database: run.config.destination.database, table: target.table, schema: target.schema };
}
