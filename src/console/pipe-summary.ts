import type { PipeStatusView } from '../pipe/status.js';
import { tableState } from '../pipe/status-updates.js';

/** One line of the Data Sources page. */
export interface PipeSummary {
  name: string;
  status: string;
  tables: number;
  /** Tables the pipe has stopped (NeedsResync). */
  stoppedTables: number;
  rowsLoaded: number;
  cdcChanges: number;
  lastSyncAt: string | null;
  lastError: string | null;
}

/** A pipe's status, summed up for the list of pipes. */
export function summarise(view: PipeStatusView): PipeSummary {
  const tables = Object.values(view.tables);
  return {
    name: view.name,
    status: view.status,
    tables: tables.length,
    stoppedTables: Object.keys(view.tables).filter((t) => tableState(view, t) === 'NeedsResync').length,
    rowsLoaded: tables.reduce((n, t) => n + t.initialLoad.rowsLoaded, 0),
    cdcChanges: tables.reduce((n, t) => n + t.cdc.inserted + t.cdc.updated + t.cdc.deleted, 0),
    lastSyncAt: view.cdc.lastBatchAt,
    lastError: view.lastError,
  };
}
