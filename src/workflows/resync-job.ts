import type { ShadowStart } from '../contract/messages.js';
import type { ResyncTableResult } from '../contract/workflow-io.js';
import type { PipeConfig, TableConfig } from '../pipe/config.js';
import type { PipeStatus } from '../pipe/status.js';
import type { PipeControls } from './controls.js';
import { historyLong } from './carry-over.js';

/** An online resync's state, as its steps share it (see online-resync.ts). */
export interface ResyncJob {
  config: PipeConfig;
  resync: string;
  whole: boolean;
  /** The tables it resyncs. */
  tables: TableConfig[];
  /** Tables validated (before the first swap), also by earlier runs. */
  checked: Set<string>;
  /** Tables loaded and groups validated by this run. */
  done: number;
  /** Whether the workflow may continue as new (a patch). */
  yields: boolean;
  controls: PipeControls;
  /** Tables whose shadow the pipe ended (their definition changed), with the reason. */
  stopped: Map<string, string>;
  marker: string;
  tell: (phase: PipeStatus | null) => Promise<void>;
  /** Whether a table's load has begun (the pipe shows Snapshot from then on). */
  loading: boolean;
  /** Each loaded table's shadow. */
  starts: Record<string, ShadowStart & { marker: string }>;
  results: Record<string, ResyncTableResult>;
}

/** Whether the history is long enough to go on in the next run (each run does some work). */
export const timeToCarryOn = (job: ResyncJob) => job.yields && job.done > 0 && historyLong();
