import type { PipeSummary } from '../pipe-summary.js';
import type { PipeConfig } from '../../pipe/config.js';
import type { PipeStatusView } from '../../pipe/status.js';
import { ApiError, getJson, post } from './api.js';
import { MetricCharts } from './charts.js';
import { esc } from './format.js';
import { TABS, metricsView, pipeView, settingsView, sourcesView, tablesView, type Tab } from './views.js';

/** How often the page asks for fresh data: it updates by itself. */
const REFRESH_MS = 2_000;

const main = document.getElementById('main')!;
const dialog = document.getElementById('dialog') as HTMLDialogElement;
const charts = new MetricCharts();
let timer: number | undefined;
let current: { view: PipeStatusView; config: PipeConfig | null } | null = null;

type Route = { page: 'sources' } | { page: 'pipe'; name: string; tab: Tab } | { page: 'login' };

function route(): Route {
  const m = /^#\/pipes\/([^/]+)(?:\/(metrics|tables|settings))?$/.exec(location.hash);
  if (m) return { page: 'pipe', name: decodeURIComponent(m[1]!), tab: (m[2] as Tab | undefined) ?? 'metrics' };
  return location.hash === '#/login' ? { page: 'login' } : { page: 'sources' };
}

function toast(message: string): void {
  const el = document.getElementById('toast')!;
  el.textContent = message;
  el.classList.add('show');
  window.setTimeout(() => el.classList.remove('show'), 5_000);
}

/** Asks in a dialog; resolves true when the user confirms. */
function ask(title: string, body: string, confirm = 'Confirm'): Promise<FormData | null> {
  document.getElementById('dialog-title')!.textContent = title;
  document.getElementById('dialog-body')!.innerHTML = body;
  document.getElementById('dialog-confirm')!.textContent = confirm;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm' ? new FormData(dialog.querySelector('form')!) : null), { once: true });
  });
}

async function render(): Promise<void> {
  const r = route();
  try {
    if (r.page === 'login') return renderLogin();
    if (r.page === 'sources') {
      charts.clear();
      main.innerHTML = sourcesView(await getJson<PipeSummary[]>('/api/pipes'));
      return;
    }
    current = await getJson<{ view: PipeStatusView; config: PipeConfig | null }>(`/api/pipes/${encodeURIComponent(r.name)}`);
    const body = r.tab === 'metrics' ? metricsView(current.view) : r.tab === 'tables' ? tablesView(current.view) : settingsView(current.view, current.config);
    const focused = document.activeElement?.id;
    main.innerHTML = pipeView(current.view, r.tab, body);
    if (focused) document.getElementById(focused)?.focus();
    if (r.tab === 'metrics') charts.draw(main, current.view.metrics ?? []);
    else charts.clear();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      location.hash = '#/login';
      return;
    }
    main.innerHTML = `<div class="card"><p class="error" id="page-error">${esc(err instanceof Error ? err.message : String(err))}</p><p><a href="#/">Data Sources</a></p></div>`;
  }
}

function renderLogin(): void {
  window.clearInterval(timer);
  main.innerHTML = `<h1>Sign in</h1><div class="card"><form id="login"><label for="token">Console token</label>
    <input type="password" id="token" name="token" autocomplete="current-password" required>
    <div class="actions"><button class="primary" type="submit">Sign in</button></div><p class="error" id="login-error"></p></form></div>`;
  document.getElementById('login')!.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = (document.getElementById('token') as HTMLInputElement).value;
    post('/api/login', { token }).then(
      () => {
        location.hash = '#/';
        start();
      },
      (err: unknown) => (document.getElementById('login-error')!.textContent = err instanceof Error ? err.message : String(err)),
    );
  });
}

/** The Settings tab's buttons: each asks first where it changes much, then calls the API. */
async function act(id: string, pipe: string): Promise<void> {
  const tables = current?.config?.tables.map((t) => t.name) ?? Object.keys(current?.view.tables ?? {});
  const path = `/api/pipes/${encodeURIComponent(pipe)}`;
  if (id === 'action-resync') {
    const ok = await ask(
      `Resync pipe ${pipe}?`,
      `<p>Every table (${esc(tables.join(', '))}) is reloaded from the source into a new <code>&lt;table&gt;_resync</code> table, checked against the source, and swapped in atomically. CDC goes on meanwhile; soft-deleted rows are carried over; the pipe's statistics start afresh. The status goes Setup, Snapshot, Resync, then Running.</p>`,
      'Resync',
    );
    if (ok) await post(`${path}/resync`, {});
  } else if (id === 'action-resync-tables') {
    const boxes = tables.map((t) => `<label class="check"><input type="checkbox" name="table" value="${esc(t)}"> ${esc(t)}</label>`).join('');
    const form = await ask(`Resync tables of ${pipe}`, `<p>The chosen tables are reloaded while the others run untouched.</p>${boxes}
      <label for="order-by">New ORDER BY for them (optional, columns separated by commas)</label><input type="text" id="order-by" name="orderBy">`, 'Resync');
    const chosen = form?.getAll('table').map(String) ?? [];
    if (!form || chosen.length === 0) return;
    const cols = String(form.get('orderBy') ?? '').split(',').map((c) => c.trim()).filter(Boolean);
    await post(`${path}/resync`, { tables: chosen, ...(cols.length ? { orderBy: Object.fromEntries(chosen.map((t) => [t, cols])) } : {}) });
  } else if (id === 'action-drop') {
    if (!(await ask(`Drop pipe ${pipe}?`, '<p>The pipe stops for good (and any resync of it). Its ClickHouse tables stay as they are.</p>', 'Drop'))) return;
    await post(`${path}/drop`);
    location.hash = '#/';
  } else {
    await post(`${path}/${id === 'action-pause' ? 'pause' : 'resume'}`);
  }
  toast('Done');
  await render();
}

main.addEventListener('click', (e) => {
  const target = e.target as HTMLElement;
  const r = route();
  const tab = target.closest<HTMLElement>('[role=tab]');
  if (tab && r.page === 'pipe') location.hash = `#/pipes/${encodeURIComponent(r.name)}/${tab.dataset.tab}`;
  const button = target.closest<HTMLButtonElement>('button[id^=action-]');
  if (button && r.page === 'pipe') act(button.id, r.name).catch((err: unknown) => toast(err instanceof Error ? err.message : String(err)));
});

// Arrow keys move between tabs, as a tab list should.
main.addEventListener('keydown', (e) => {
  const tab = (e.target as HTMLElement).closest<HTMLElement>('[role=tab]');
  const r = route();
  if (!tab || r.page !== 'pipe' || (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft')) return;
  const i = TABS.findIndex((t) => t.id === tab.dataset.tab);
  const next = TABS[(i + (e.key === 'ArrowRight' ? 1 : TABS.length - 1)) % TABS.length]!;
  location.hash = `#/pipes/${encodeURIComponent(r.name)}/${next.id}`;
  window.setTimeout(() => document.getElementById(`tab-${next.id}`)?.focus(), 50);
});

function start(): void {
  window.clearInterval(timer);
  void render();
  timer = window.setInterval(() => {
    if (!dialog.open) void render();
  }, REFRESH_MS);
}

window.addEventListener('hashchange', () => (route().page === 'login' ? renderLogin() : start()));
start();
