import { readFileSync } from 'node:fs';

export type MemoryField = 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile';

/** Memory figures of /proc/<pid>/status in MB (the file gives kB), or null once the process is gone. */
export function procStatusMb(pid: number, fields: MemoryField[]): Partial<Record<MemoryField, number>> | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const out: Partial<Record<MemoryField, number>> = {};
  for (const f of fields) {
    const m = new RegExp(`^${f}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    if (m?.[1]) out[f] = Number(m[1]) / 1024;
  }
  return out;
}

/**
 * Samples a process's resident memory every 200 ms. The kernel's own high
 * water mark (VmHWM) covers the whole life of the process; the samples give
 * the peak within a window (e.g. one load), which `startWindow` opens.
 * Anonymous memory (heap, buffers) is kept apart from file pages (mostly the
 * embedded engine's library, shared and reclaimable).
 */
export class RssSampler {
  private readonly timer: NodeJS.Timeout;
  private windowPeak = 0;
  private windowPeakAnon = 0;
  private last = 0;
  private lastAnon = 0;

  constructor(private readonly pid: number, intervalMs = 200) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }

  private sample(): void {
    const m = procStatusMb(this.pid, ['VmRSS', 'RssAnon']);
    if (m?.VmRSS === undefined) return;
    this.last = m.VmRSS;
    this.lastAnon = m.RssAnon ?? 0;
    this.windowPeak = Math.max(this.windowPeak, m.VmRSS);
    this.windowPeakAnon = Math.max(this.windowPeakAnon, m.RssAnon ?? 0);
  }

  /** Starts a new window: its peak starts from the current RSS. */
  startWindow(): void {
    this.windowPeak = 0;
    this.windowPeakAnon = 0;
    this.sample();
  }

  /** The highest RSS sampled since the window started, in MB. */
  peakInWindow(): number {
    this.sample();
    return this.windowPeak;
  }

  /** The highest anonymous RSS sampled since the window started, in MB. */
  peakAnonInWindow(): number {
    this.sample();
    return this.windowPeakAnon;
  }

  /** The kernel's high water mark since the process started, in MB (the window's peak once it is gone). */
  highWaterMark(): number {
    return procStatusMb(this.pid, ['VmHWM'])?.VmHWM ?? this.windowPeak;
  }

  currentMb(): number {
    this.sample();
    return this.last;
  }

  currentAnonMb(): number {
    this.sample();
    return this.lastAnon;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
