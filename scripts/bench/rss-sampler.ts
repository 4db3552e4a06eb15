import { readFileSync } from 'node:fs';

/** A memory figure of /proc/<pid>/status in MB (the file gives kB), or null once the process is gone. */
export function procStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
  return m?.[1] ? Number(m[1]) / 1024 : null;
}

/**
 * Samples a process's resident memory every 200 ms. The kernel's own high
 * water mark (VmHWM) covers the whole life of the process; the samples give
 * the peak within a window (e.g. one load), which `startWindow` opens.
 */
export class RssSampler {
  private readonly timer: NodeJS.Timeout;
  private windowPeak = 0;
  private last = 0;

  constructor(private readonly pid: number, intervalMs = 200) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
    this.sample();
  }

  private sample(): void {
    const rss = procStatusMb(this.pid, 'VmRSS');
    if (rss === null) return;
    this.last = rss;
    this.windowPeak = Math.max(this.windowPeak, rss);
  }

  /** Starts a new window: its peak starts from the current RSS. */
  startWindow(): void {
    this.windowPeak = 0;
    this.sample();
  }

  /** The highest RSS sampled since the window started, in MB. */
  peakInWindow(): number {
    this.sample();
    return this.windowPeak;
  }

  /** The kernel's high water mark since the process started, in MB (last sample if gone). */
  highWaterMark(): number {
    return procStatusMb(this.pid, 'VmHWM') ?? this.windowPeak;
  }

  currentMb(): number {
    this.sample();
    return this.last;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
