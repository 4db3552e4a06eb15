import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PIPE_STATUSES, type PipeStatus } from '../pipe/status.js';
import { pipeOfWorkflowId } from '../pipe/names.js';

/**
 * The worker's Prometheus metrics, per pipe and table. Named after
 * ClickPipes' own where they have one (ClickPipes_Info with its state label,
 * ClickPipes_FetchedEvents_Total), in Prometheus' naming style. Counters
 * are this worker process's (Prometheus sums the workers of a task queue);
 * the state and the lag come from the pipe's workflow (see sinks.ts).
 */
export const registry = new Registry();

const labels = { registers: [registry] };

export const pipeMetrics = {
  info: new Gauge({ name: 'pipes_info', help: 'Always 1. Label "state" holds the pipe\'s status: Setup/Snapshot/Running/Paused/Resync/Failed/Completed', labelNames: ['pipe', 'state'], ...labels }),
  rowsLoaded: new Counter({ name: 'pipes_rows_loaded_total', help: 'Rows written by initial loads, added tables and resyncs', labelNames: ['pipe', 'table'], ...labels }),
  fetchedEvents: new Counter({ name: 'pipes_fetched_events_total', help: 'Row changes read from the binlog and written, by event type', labelNames: ['pipe', 'table', 'event_type'], ...labels }),
  bytesWritten: new Counter({ name: 'pipes_bytes_written_total', help: 'Bytes of rows written to ClickHouse (TabSeparated)', labelNames: ['pipe', 'table'], ...labels }),
  batches: new Counter({ name: 'pipes_cdc_batches_total', help: 'CDC batches written', labelNames: ['pipe'], ...labels }),
  batchSeconds: new Histogram({
    name: 'pipes_cdc_batch_duration_seconds',
    help: 'Time a CDC batch took, from its first read to its last write (the sync interval included)',
    labelNames: ['pipe'],
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    ...labels,
  }),
  lag: new Gauge({ name: 'pipes_cdc_lag_seconds', help: "From the source's commit of a batch's first change until the batch was written", labelNames: ['pipe'], ...labels }),
  retries: new Counter({ name: 'pipes_retries_total', help: 'Activity attempts that failed and are retried', labelNames: ['pipe', 'activity'], ...labels }),
};

/** The pipe's status now: 1 under its state, its other states removed. */
export function setPipeState(pipe: string, state: PipeStatus | null): void {
  for (const s of PIPE_STATUSES) if (s !== state) pipeMetrics.info.remove({ pipe, state: s });
  if (state) pipeMetrics.info.set({ pipe, state }, 1);
  else pipeMetrics.lag.remove({ pipe });
}

/** The pipe label of an activity's workflow (its pipe's name; the workflow id for others, such as a scheduled validation). */
export const pipeLabel = (workflowId: string | undefined): string => (workflowId ? (pipeOfWorkflowId(workflowId) ?? workflowId) : 'unknown');
