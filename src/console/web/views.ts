import type { PipeSummary } from '../pipe-summary.js';
import type { PipeConfig } from '../../pipe/config.js';
import type { InitialLoadStats, PipeStatusView, TableStats } from '../../pipe/status.js';
import type { TableValidation } from '../../pipe/validation.js';
import { badge, duration, esc, num, when } from './format.js';

/** The pages, as HTML built from the API's data (every value escaped). */

export type Tab = 'metrics' | 'tables' | 'settings';
export const TABS: { id: Tab; label: string }[] = [
  { id: 'metrics', label: 'Metrics' },
  { id: 'tables', label: 'Tables' },
  { id: 'settings', label: 'Settings' },
];

const link = (pipe: string, tab: Tab = 'metrics') => `#/pipes/${encodeURIComponent(pipe)}/${tab}`;

export function sourcesView(pipes: PipeSummary[]): string {
  if (pipes.length === 0) return `<h1>Data Sources</h1><div class="card"><p class="muted">No pipes yet. Create one with <code>pipectl create --file pipe.yaml</code>.</p></div>`;
  const rows = pipes
    .map(
      (p) => `<tr>
        <td data-label="Pipe"><a href="${link(p.name)}">${esc(p.name)}</a></td>
        <td data-label="Status">${badge(p.status)}${p.stoppedTables ? ` <span class="badge NeedsResync">${p.stoppedTables} need a resync</span>` : ''}</td>
        <td data-label="Tables" class="num">${p.tables}</td><td data-label="Rows loaded" class="num">${num(p.rowsLoaded)}</td>
        <td data-label="CDC changes" class="num">${num(p.cdcChanges)}</td>
        <td data-label="Last sync">${when(p.lastSyncAt)}</td><td data-label="Last error" class="wrap error">${esc(p.lastError ?? '')}</td></tr>`,
    )
    .join('');
  return `<h1>Data Sources</h1><div class="card"><table class="stack" aria-label="Pipes">
    <thead><tr><th>Pipe</th><th>Status</th><th class="num">Tables</th><th class="num">Rows loaded</th><th class="num">CDC changes</th><th>Last sync</th><th>Last error</th></tr></thead>
    <tbody>${rows}</tbody></table></div>`;
}

export function pipeView(view: PipeStatusView, tab: Tab, body: string): string {
  const tabs = TABS.map(
    (t) => `<button role="tab" id="tab-${t.id}" aria-selected="${t.id === tab}" aria-controls="panel" tabindex="${t.id === tab ? 0 : -1}" data-tab="${t.id}">${t.label}</button>`,
  ).join('');
  return `<p><a href="#/">← Data Sources</a></p>
    <h1>${esc(view.name)} <span id="pipe-status">${badge(view.status)}</span></h1>
    <div class="tabs" role="tablist" aria-label="Pipe">${tabs}</div>
    <section id="panel" role="tabpanel" aria-labelledby="tab-${tab}">${body}</section>`;
}

function errorCard(view: PipeStatusView): string {
  if (!view.lastError) return '';
  return `<div class="card" id="last-error"><h2>Last error</h2><p class="error">${esc(view.lastError)}</p>
    <p class="muted">${view.lastErrorAt ? `at ${when(view.lastErrorAt)}; ` : ''}${view.retries ?? 0} retried failures</p></div>`;
}

export function metricsView(view: PipeStatusView): string {
  const recent = view.recentStatuses.map((s) => `<li>${badge(s.status)} <span class="muted">${when(s.at)}</span></li>`).join('');
  const cdc = view.cdc.enabled
    ? `${num(view.cdc.batches)} batches, last ${when(view.cdc.lastBatchAt)}${view.cdc.position ? `, binlog ${esc(view.cdc.position.file)}:${view.cdc.position.pos}` : ''}`
    : 'off';
  return `<div class="card"><h2>Status</h2><p id="metrics-status">${badge(view.status)}${view.pauseRequested ? ' <span class="muted">(pause requested)</span>' : ''}</p>
      <h3 class="muted">Recent changes</h3><ol class="statuses" id="recent-statuses">${recent}</ol>
      <p class="muted">CDC: ${cdc}</p></div>
    ${errorCard(view)}
    <div class="charts">
      <div class="card"><h2>Rows per second</h2><div class="chart"><canvas id="chart-rows" aria-label="Rows loaded and CDC changes per second, last hour" role="img"></canvas></div></div>
      <div class="card"><h2>CDC lag</h2><div class="chart"><canvas id="chart-lag" aria-label="CDC lag in seconds, last hour" role="img"></canvas></div></div>
    </div>`;
}

function validationCell(v: TableValidation | undefined): string {
  if (!v) return '–';
  if (v.skipped) return `<span class="muted">not validated</span>`;
  const outcome = v.differingKeys === 0 ? `equal (${num(v.rowsCompared)} rows)` : `<span class="error">${num(v.differingKeys)} keys differ</span>`;
  return `${outcome} <span class="muted">${when(v.at)}</span>`;
}

/** How the load moved the rows (as pipectl status says it). */
function loadMode(l: InitialLoadStats): string {
  const pulled = l.chunksPulled ?? 0;
  return l.chunksDone === 0 ? '–' : pulled === 0 ? 'stream' : pulled === l.chunksDone ? 'pull' : 'pull+stream';
}

function tableRow(name: string, t: TableStats): string {
  const l = t.initialLoad;
  const state = t.state ?? (l.done ? 'Live' : 'Loading');
  return `<tr data-table="${esc(name)}">
    <td data-label="Table">${esc(name)}</td><td data-label="State">${badge(state)}${t.reason ? `<div class="muted wrap">${esc(t.reason)}</div>` : ''}</td>
    <td data-label="Rows" class="num rows-loaded">${num(l.rowsLoaded)}</td><td data-label="Chunks" class="num">${l.chunksDone}/${l.chunksTotal}</td><td data-label="Load">${esc(loadMode(l))}</td>
    <td data-label="Rows/s" class="num">${num(l.rowsPerSecond)}</td><td data-label="Duration" class="num">${l.startedAt ? duration(l.durationMs) : '–'}</td>
    <td data-label="Inserts" class="num">${num(t.cdc.inserted)}</td><td data-label="Updates" class="num">${num(t.cdc.updated)}</td>
    <td data-label="Deletes" class="num">${num(t.cdc.deleted)}</td><td data-label="Last validation">${validationCell(t.validation)}</td></tr>`;
}

export function tablesView(view: PipeStatusView): string {
  const rows = Object.entries(view.tables).map(([n, t]) => tableRow(n, t)).join('');
  return `<div class="card"><h2>Initial Load Stats</h2><table class="stack" aria-label="Tables">
    <thead><tr><th>Table</th><th>State</th><th class="num">Rows</th><th class="num">Chunks</th><th>Load</th><th class="num">Rows/s</th><th class="num">Duration</th>
    <th class="num">Inserts</th><th class="num">Updates</th><th class="num">Deletes</th><th>Last validation</th></tr></thead>
    <tbody>${rows}</tbody></table></div>`;
}

function settingsList(config: PipeConfig): string {
  const s = config.settings;
  const items: [string, string][] = [
    ['Source', `${config.source.user}@${config.source.host}:${config.source.port}/${config.source.database}`],
    ['Password', config.source.passwordSecret ? `from the worker's secret "${config.source.passwordSecret}"` : 'none'],
    ['Destination database', config.destination.database],
    ['Tables', config.tables.map((t) => `${t.name}${t.orderBy ? ` (ORDER BY ${t.orderBy.join(', ')})` : ''}`).join(', ')],
    ['Sync interval', `${s.syncIntervalSeconds} s`],
    ['Pull batch size', num(s.pullBatchSize)],
    ['Rows per partition', num(s.snapshotRowsPerPartition)],
    ['Parallel threads', String(s.snapshotParallelThreads)],
    ['Tables in parallel', String(s.snapshotTablesInParallel)],
    ['Load mode', s.loadMode],
    ['Rate limit', s.maxRowsPerSecond ? `${num(s.maxRowsPerSecond)} rows/s` : 'none'],
    ['CDC', config.cdc ? 'on' : 'off'],
  ];
  return `<dl class="settings">${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

export function settingsView(view: PipeStatusView, config: PipeConfig | null): string {
  const paused = view.status === 'Paused' || view.pauseRequested;
  const failed = view.status === 'Failed';
  return `<div class="card"><h2>Settings</h2>${config ? settingsList(config) : '<p class="muted">The settings cannot be read now (an offline resync holds the pipe).</p>'}
    <div class="actions">
      <button class="primary" id="action-resync">Resync</button>
      <button class="secondary" id="action-resync-tables">Resync tables…</button>
      ${paused || failed ? `<button class="secondary" id="action-resume">${failed ? 'Retry' : 'Resume'}</button>` : '<button class="secondary" id="action-pause">Pause</button>'}
      <button class="danger" id="action-drop">Drop</button>
    </div></div>`;
}
