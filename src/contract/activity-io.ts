import type { PipeConfig, SourceConfig, LoadMode } from '../pipe/config.js';
import type { Chunk } from '../pipe/chunk.js';
import type { BinlogPosition, CdcStats } from '../pipe/status.js';
import type { KeyTuple, TableSchema } from '../pipe/table-schema.js';
import type { ValidationPart } from '../pipe/validation.js';

/**
 * What workflows hand to activities and get back: plans, cursors and counts,
 * never rows and never a secret (connections are named by the pipe's
 * configuration and resolved by the worker).
 */

export interface PreparePipeInput {
  config: PipeConfig;
  /** Appended to every destination table name ("_resync" during a resync). */
  tableSuffix: string;
  /**
   * A resync's tables (`tableSuffix` names them), created afresh; otherwise
   * the pipe's own tables: created afresh when empty or missing, or loaded
   * beside themselves when they hold rows (see PreparePipeResult.replacing).
   */
  replaceTables: boolean;
  /** Table comment: marks the tables of one resync, so its swap knows them. */
  comment?: string;
  /** A position recorded earlier (a resync's drain point), used instead of reading one. */
  position?: BinlogPosition;
  /** Load even if the binlog's retention looks shorter than the load (`--force`). */
  skipRetentionCheck?: boolean;
  /** Leave the CREATE TABLEs to the load (createTables, with each group's plan): hundreds overlap with loading. */
  deferTables?: boolean;
}

/** Destination tables to create afresh (CREATE OR REPLACE), marked with `comment`. */
export interface CreateTablesInput {
  database: string;
  tables: { table: string; schema: TableSchema }[];
  comment?: string;
}

export interface PreparePipeResult {
  schemas: TableSchema[];
  /** Where CDC starts after the load: recorded before any row is read. */
  position: BinlogPosition | null;
  /**
   * The binlog's end once the schemas were read, before any row is read: the
   * snapshot's version, and what CDC ignores DDL before (the schemas have it).
   * The same as `position` unless a position to start from was given.
   */
  schemaAt?: BinlogPosition | null;
  /**
   * Tables whose destination already held rows (left by an earlier pipe of
   * this name): loaded into `<table>_resync`, to be swapped in after the load.
   */
  replacing?: string[];
  /** The destination tables are not created yet: the load creates them (see PreparePipeInput.deferTables). */
  tablesDeferred?: boolean;
}

/** Several tables' shadows (`config.tables`), each with its marker, in the same order. */
export interface PrepareShadowsInput {
  config: PipeConfig;
  markers: string[];
}

export interface PrepareShadowInput {
  /** The pipe's configuration with the one table to shadow (as the resync asks for it). */
  config: PipeConfig;
  /** The comment the `_resync` table carries. */
  marker: string;
}

export interface PlanChunksInput {
  source: SourceConfig;
  schema: TableSchema;
  rowsPerPartition: number;
}

export interface PlanTablesChunksInput {
  source: SourceConfig;
  schemas: TableSchema[];
  rowsPerPartition: number;
}

export interface LoadChunkInput {
  source: SourceConfig;
  schema: TableSchema;
  chunk: Chunk;
  destinationDatabase: string;
  destinationTable: string;
  /** `_peerdb_version` of every snapshot row (see pipe/version.ts). */
  version: number;
  /** Identifies this load, so its deduplication tokens never match another's. */
  loadId: string;
  pageSize: number;
  /** This chunk's share of the source-wide rate limit, if any. */
  maxRowsPerSecond?: number;
  /** 'pull': ClickHouse reads the chunk itself where it can (see clickhouse/mysql-pull.ts). */
  loadMode?: LoadMode;
}

export interface LoadChunkResult {
  rows: number;
  /** ClickHouse read the chunk itself (pull load mode). */
  pulled?: boolean;
}

/** Several small tables, each one chunk, loaded one after another by one activity (same settings as LoadChunkInput's). */
export interface LoadTablesInput extends Omit<LoadChunkInput, 'schema' | 'chunk' | 'destinationTable'> {
  /** A table's own version and load id, where they differ from the shared ones (shadows of an online resync). */
  tables: { schema: TableSchema; chunk: Chunk; destinationTable: string; version?: number; loadId?: string }[];
}

/** Each table's outcome, in the input's order: its rows, or the change of definition that stopped its load. */
export type LoadTablesResult = (LoadChunkResult | { definitionChanged: string })[];

/** What a chunk heartbeats after each page ClickHouse has acknowledged. */
export interface ChunkProgress {
  after: KeyTuple | null;
  rows: number;
  /** Rows per page; a resumed chunk reads the same pages, so their tokens match. */
  pageRows?: number;
  /** Rows per block, kept for the same reason (absent: 25,000, as before it was kept). */
  blockRows?: number;
}

/**
 * Where CDC writes a source table's changes: its live destination table,
 * and, while a resync loads it online, its shadow (`<table>_resync`), which
 * takes only the changes past the shadow's start.
 */
export interface CdcTarget {
  /** The source table. */
  source: string;
  /** The destination table. */
  table: string;
  schema: TableSchema;
  /** A resync's shadow: written only with changes past `from`, and stopped by any change of the source table's definition. */
  shadowFrom?: BinlogPosition;
  /** The table's schema was read at this position: statements and row shapes up to it are in the schema already. */
  schemaFrom?: BinlogPosition;
}

export interface PullChangesInput {
  pipe: string;
  source: SourceConfig;
  destinationDatabase: string;
  /** Where each table's changes go (live tables and shadows), as versions before the digest sent them. */
  targets?: CdcTarget[];
  /** The digest (pipe/digest.ts) of the targets, which the activity reads from the pipe (cdcTargetsQuery). */
  targetsDigest?: string;
  /** The live tables, as versions before shadows existed sent them. */
  schemas?: TableSchema[];
  from: BinlogPosition;
  syncIntervalMs: number;
  pullBatchSize: number;
  /** Read until this position (a drain before a resync), whatever the interval. */
  stopAt?: BinlogPosition;
}

export interface PullChangesResult {
  /** Every change before this position is in ClickHouse. */
  position: BinlogPosition;
  changes: number;
  counts: Record<string, CdcStats>;
  /** From the source's commit of the batch's first change until the batch was written (seconds): the CDC lag. */
  lagSeconds?: number;
  /** Destination tables (targets) the binlog showed cannot be followed exactly any more, with the reason (their rows up to that point are written). */
  stopped?: Record<string, string>;
  /** Of those, the tables a reload brings back (their rows were replaced at the source: a cutover, a partition). */
  reload?: string[];
  /** The batch ended right after this statement on a replicated table: the pipe applies it before the next batch. */
  ddl?: { table: string; ddl: 'alter' | 'truncate'; statement: string; position: BinlogPosition };
}

export interface ApplyDdlInput {
  /** The pipe's configuration with the one table (its source connection, settings). */
  config: PipeConfig;
  /** The table's schema as the pipe follows it now. */
  schema: TableSchema;
  ddl: NonNullable<PullChangesResult['ddl']>;
}

/** What applying a statement did: the table's new schema and what changed, or why the table needs a resync. */
export type ApplyDdlResult = { schema: TableSchema; done: string[] } | { needsResync: string; reload?: boolean };

export interface ResyncTableInput {
  database: string;
  schema: TableSchema;
  resyncSuffix: string;
  /** The comment the resync's tables carry. */
  marker: string;
}

/** Several tables' soft deletes, carried by one activity. */
export interface CarryTablesInput {
  database: string;
  schemas: TableSchema[];
  resyncSuffix: string;
}

/** Several pairs swapped by one activity, each with its resync's marker. */
export interface SwapTablesInput {
  database: string;
  tables: { schema: TableSchema; marker: string }[];
  resyncSuffix: string;
}

export interface StopPipeInput {
  pipe: string;
  /** Apply every change up to here, then end; absent: end at once. */
  drainTo?: BinlogPosition;
}

/** The pipe's tables as it follows them now, for a validation or a repair. */
export interface PipeTablesInput {
  pipe: string;
}

export interface PipeTablesResult {
  config: PipeConfig;
  /** The live tables' schemas, as CDC follows them. */
  schemas: TableSchema[];
  /** Tables the pipe has stopped (NeedsResync), with the reason. */
  stopped: Record<string, string>;
  /** Whether CDC runs now (not paused, failed or loading): a validation waits for it to reach each snapshot. */
  following: boolean;
  /** What the last validation of each table found (its parts to repair). */
  partsToRepair: Record<string, ValidationPart[]>;
}
