import type { PipeConfig, PipeConfigInput, TableConfig } from '../pipe/config.js';
import type { BinlogPosition, PipeStatus, PipeStatusView } from '../pipe/status.js';
import type { TableSchema } from '../pipe/table-schema.js';
import type { TableValidation } from '../pipe/validation.js';
import type { ResyncRequest } from '../pipe/resync-options.js';
import type { PreparePipeResult } from './activity-io.js';

/**
 * The inputs and results of the workflows, as the client, the workflows and
 * the activities that start them see them. Pure data: it travels through
 * Temporal, so it never holds a secret.
 */

/** A table's shadow: the `_resync` table an online resync loads while CDC writes it too. */
export interface Shadow {
  /** The resync's workflow id. */
  resync: string;
  /** The comment the shadow carries (its swap recognises it). */
  marker: string;
  schema: TableSchema;
  /** CDC writes it every change past here; its snapshot rows carry this position's version. */
  from: BinlogPosition;
  state: 'Loading' | 'Swapping';
  /** The table's configuration the resync asked for (a new ORDER BY), kept by the pipe after the swap. */
  config: TableConfig;
}

/** CDC state handed from one run to the next (continue-as-new, or a finished resync). */
export interface PipeCarryOver {
  view: PipeStatusView;
  /** The live tables' schemas. */
  schemas: TableSchema[];
  position: BinlogPosition;
  paused: boolean;
  /** Tables whose live copy the pipe cannot follow any more, with the reason. */
  stopped?: Record<string, string>;
  /** Shadows of resyncs running online, by table. */
  shadows?: Record<string, Shadow>;
  /** The step a whole-pipe online resync is in (the status users see). */
  resyncPhase?: PipeStatus | null;
  /** Tables whose definition changed under an offline resync's load, with what changed: CDC loads them again, online. */
  reload?: Record<string, string>;
  /** Tables whose schema was read after CDC's position, and where (CDC skips their earlier DDL). */
  schemaFrom?: Record<string, BinlogPosition>;
  /** Which resync last swapped each table in (a swap asked again after continue-as-new is answered from it). */
  swappedBy?: Record<string, string>;
}

/**
 * A load handed to the next run of its workflow (continue-as-new keeps
 * histories short): Setup's result, and the tables still to load.
 */
export interface LoadResume {
  prepared: PreparePipeResult;
  loadId: string;
  comment: string;
  /** The tables not loaded yet. */
  tables: string[];
  /** Tables whose definition changed under their load so far, with what changed. */
  changed: Record<string, string>;
}

/** resyncWorkflow's signature: continue-as-new starts its next run with a ResyncCarryOver, deflated (see workflows/carry-over.ts). */
export type ResyncWorkflowFunction = (input: ResyncRequest, packedCarryOver?: Uint8Array) => Promise<ResyncWorkflowResult>;

/** A resync's load, handed to the next run of its workflow. */
export type ResyncCarryOver = OnlineResyncCarryOver | OfflineResyncCarryOver;

export interface OfflineResyncCarryOver {
  mode: 'offline';
  /** The configuration it validated in its first run. */
  config: PipeConfig;
  view: PipeStatusView;
  paused: boolean;
  /** Where the pipe was drained to (undefined for resyncs from before drains). */
  drainTo?: BinlogPosition;
  load: LoadResume;
}

export interface OnlineResyncCarryOver {
  mode: 'online';
  /** The configuration it validated in its first run. */
  config: PipeConfig;
  marker: string;
  view: PipeStatusView;
  paused: boolean;
  /** Each loaded table's shadow. */
  starts: Record<string, { position: BinlogPosition; schema: TableSchema; marker: string }>;
  /** Tables whose shadow the pipe ended, with the reason. */
  stopped: Record<string, string>;
  /** The tables not loaded yet. */
  left: string[];
  /** Tables validated (validate before swap) by earlier runs. */
  checked?: string[];
}

/** A pipe's initial load, handed to the next run of its workflow. */
export interface PipeLoadCarryOver {
  view: PipeStatusView;
  paused: boolean;
  load: LoadResume;
  /** Tables accepted by addTables during the load (CDC loads them). */
  tablesToAdd: TableConfig[];
}

export interface PipeWorkflowInput {
  /** Validated again by the workflow, so a pipe started from the Temporal UI or CLI gets defaults too. */
  config: PipeConfigInput;
  /** Set when the pipe continues as new, or by a resync that hands it back; absent on create. */
  carryOver?: PipeCarryOver;
  /** Set when the pipe continues as new during its initial load. */
  loading?: PipeLoadCarryOver;
  /** Load even if the source's binlog retention looks shorter than the initial load (`pipectl create --force`). */
  force?: boolean;
}

/** pipeWorkflow's signature: continue-as-new starts its next run with `carryOver` or `loading`, deflated (see workflows/carry-over.ts). */
export type PipeWorkflowFunction = (input: PipeWorkflowInput, packedCarryOver?: Uint8Array) => Promise<PipeWorkflowResult>;

/** What a pipe's run hands to the next, packed. */
export type PipeRunCarryOver = Pick<PipeWorkflowInput, 'carryOver' | 'loading'>;

export interface PipeWorkflowResult {
  status: 'Dropped' | 'Completed';
}

/** What a resync did to one table. */
export interface ResyncTableResult {
  rows: number;
  softDeletesCarried: number;
  swap: SwapOutcome;
}

export interface ResyncWorkflowResult {
  status: 'Running' | 'Completed' | 'Dropped';
  tables: Record<string, ResyncTableResult>;
}

/** How a `_resync` table took its original's place. */
export type SwapOutcome = 'exchanged' | 'renamed' | 'already-swapped';

/** The pipe's configuration as a resync starts it again. */
export interface StartPipeInput {
  config: PipeConfig;
  carryOver: PipeCarryOver;
}

export interface ValidateWorkflowResult {
  /** Each table's validation (also in the pipe's status). */
  tables: Record<string, TableValidation>;
}

export interface RepairWorkflowResult {
  /** Per table: the keys written again from the source, and the validation of the repaired parts that followed. */
  tables: Record<string, { keysRepaired: number; validation: TableValidation }>;
}
