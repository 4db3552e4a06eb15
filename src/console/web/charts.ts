import type { MetricSample } from '../../pipe/status.js';

/** The part of Chart.js (loaded as its browser build, a global) that the page uses. */
interface ChartLike {
  data: { labels: string[]; datasets: { data: (number | null)[] }[] };
  update(mode?: string): void;
  destroy(): void;
}
declare const Chart: new (canvas: HTMLCanvasElement, config: unknown) => ChartLike;

/** Seconds per sample bucket (see pipe/status-updates.ts). */
const BUCKET_SECONDS = 15;

const label = (iso: string) => new Date(iso).toLocaleTimeString('en-GB', { hour12: false, hour: '2-digit', minute: '2-digit' });

/** Buckets kept by the pipe: a little over an hour. */
const MAX_BUCKETS = 260;

/** The history on an even time axis: one bucket every BUCKET_SECONDS up to now, quiet ones at zero. */
function timeline(history: MetricSample[], now: number): MetricSample[] {
  const step = BUCKET_SECONDS * 1000;
  const end = Math.floor(now / step) * step;
  const start = Math.max(history[0] ? Date.parse(history[0].at) : end, end - (MAX_BUCKETS - 1) * step);
  const byTime = new Map(history.map((s) => [Date.parse(s.at), s]));
  const out: MetricSample[] = [];
  for (let t = start; t <= end; t += step) out.push(byTime.get(t) ?? { at: new Date(t).toISOString(), rowsLoaded: 0, cdcChanges: 0, lagSeconds: null });
  return out;
}

/** The Metrics tab's charts, kept across refreshes (only their data changes). */
export class MetricCharts {
  private readonly charts = new Map<string, ChartLike>();

  /** Draws (or updates) the charts in the canvases of `root` from the pipe's activity history. */
  draw(root: HTMLElement, history: MetricSample[]): void {
    const samples = timeline(history, Date.now());
    const labels = samples.map((s) => label(s.at));
    this.line(root, 'chart-rows', labels, [
      { label: 'Rows loaded / s', data: samples.map((s) => Math.round(s.rowsLoaded / BUCKET_SECONDS)), borderColor: '#1f6feb' },
      { label: 'CDC changes / s', data: samples.map((s) => Math.round(s.cdcChanges / BUCKET_SECONDS)), borderColor: '#1a7f37' },
    ]);
    this.line(root, 'chart-lag', labels, [{ label: 'CDC lag (s)', data: samples.map((s) => s.lagSeconds), borderColor: '#9a6700', spanGaps: true }]);
  }

  private line(root: HTMLElement, id: string, labels: string[], datasets: { label: string; data: (number | null)[]; borderColor: string; spanGaps?: boolean }[]): void {
    const canvas = root.querySelector<HTMLCanvasElement>(`#${id}`);
    if (!canvas || typeof Chart === 'undefined') return;
    let chart = this.charts.get(id);
    if (chart && !canvas.isConnected) chart = undefined;
    if (!chart || (chart as unknown as { canvas?: HTMLCanvasElement }).canvas !== canvas) {
      chart?.destroy();
      chart = new Chart(canvas, {
        type: 'line',
        data: { labels, datasets: datasets.map((d) => ({ ...d, pointRadius: 0, borderWidth: 2, tension: 0.2 })) },
        options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } }, plugins: { legend: { position: 'bottom' } } },
      });
      this.charts.set(id, chart);
      return;
    }
    chart.data.labels = labels;
    datasets.forEach((d, i) => {
      if (chart!.data.datasets[i]) chart!.data.datasets[i]!.data = d.data;
    });
    chart.update('none');
  }

  clear(): void {
    for (const c of this.charts.values()) c.destroy();
    this.charts.clear();
  }
}
