/** Text for the page: escaped, numbers and times as people read them. */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML (every value that reaches the page goes through here). */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export const num = (n: number): string => n.toLocaleString('en-US');

export function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - m * 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** An ISO time as local date and time (or "–"). */
export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString('en-GB', { hour12: false }) : '–';
}

export function badge(state: string): string {
  return `<span class="badge ${esc(state)}">${esc(state)}</span>`;
}
