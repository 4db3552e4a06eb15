import type { PipeStatusView } from '../pipe/status.js';
import { loadModeOf, tableState } from '../pipe/status-updates.js';
import type { TableValidation } from '../pipe/validation.js';

function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** A table's last validation in a few words: when, and equal or how many keys differ. */
function validated(v: TableValidation | undefined): string {
  if (!v) return '-';
  const when = v.at.replace('T', ' ').slice(0, 16);
  if (v.skipped) return `${when} skipped`;
  return `${when} ${v.differingKeys === 0 ? `equal (${v.rowsCompared} rows)` : `${v.differingKeys} keys differ`}`;
}

/** `pipectl status` for people: the pipe, then one line per table. */
export function formatStatus(view: PipeStatusView, now = Date.now()): string {
  const lines = [
    `Pipe:        ${view.name}`,
    `Status:      ${view.status}${view.pauseRequested ? ' (pause requested)' : ''}`,
    `Last error:  ${view.lastError ?? '-'}${view.lastErrorAt ? ` (${view.lastErrorAt.replace('T', ' ').slice(0, 19)})` : ''}`,
    `Retries:     ${view.retries ?? 0}`,
    `Recent:      ${view.recentStatuses.map((c) => `${c.status} ${c.at.slice(11, 19)}`).join(' → ') || '-'}`,
    `CDC:         ${
      view.cdc.enabled
        ? `on, ${view.cdc.batches} batches, last ${view.cdc.lastBatchAt ?? '-'}, position ${
            view.cdc.position ? `${view.cdc.position.file}:${view.cdc.position.pos}` : '-'
          }`
        : 'off'
    }`,
    '',
  ];
  const rows = [['TABLE', 'STATE', 'ROWS LOADED', 'CHUNKS', 'LOAD', 'ELAPSED', 'ROWS/S', 'INSERTED', 'UPDATED', 'DELETED', 'VALIDATED']];
  const reasons: string[] = [];
  for (const [name, t] of Object.entries(view.tables)) {
    const l = t.initialLoad;
    const elapsed = l.done || !l.startedAt ? l.durationMs : now - Date.parse(l.startedAt);
    if (t.reason) reasons.push(`${name}: ${t.reason}`);
    rows.push([
      name,
      tableState(view, name),
      String(l.rowsLoaded),
      `${l.chunksDone}/${l.chunksTotal}`,
      loadModeOf(l),
      l.startedAt ? duration(elapsed) : '-',
      String(l.rowsPerSecond),
      String(t.cdc.inserted),
      String(t.cdc.updated),
      String(t.cdc.deleted),
      validated(t.validation),
    ]);
  }
  // The latest few; --json has all the pipe keeps.
  const changes = (view.schemaChanges ?? []).slice(-5).map((c) => `${c.at.replace('T', ' ').slice(0, 19)}  ${c.table}: ${c.action}${c.statement ? `  (${c.statement})` : ''}`);
  return (
    lines.join('\n') +
    table(rows) +
    (reasons.length ? `\n\n${reasons.join('\n')}` : '') +
    (changes.length ? `\n\nSchema changes:\n${changes.map((c) => `  ${c}`).join('\n')}` : '')
  );
}

/** The status with what needs attention, in one line (`pipectl list`). */
export function statusSummary(view: PipeStatusView): string {
  const stopped = Object.keys(view.tables).filter((t) => tableState(view, t) === 'NeedsResync');
  if (stopped.length === 0) return view.status;
  return `${view.status} (${stopped.length === 1 ? `table ${stopped[0]} needs` : `${stopped.length} tables need`} a resync)`;
}
