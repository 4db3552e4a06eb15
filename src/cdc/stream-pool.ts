import type { ChangeStream } from './change-stream.js';

/**
 * Binlog streams left open after a CDC batch, by the position they stand
 * at: the next batch of the same pipe on this worker reads on from there,
 * without a new connection and without reading again what the last one read
 * ahead. A stream not taken within IDLE_MS is closed.
 */
export class StreamPool {
  private readonly idle = new Map<string, { stream: ChangeStream; timer: NodeJS.Timeout }>();

  constructor(private readonly idleMs = 10_000) {}

  /** A healthy stream left at `key`, or null. */
  take(key: string): ChangeStream | null {
    const entry = this.idle.get(key);
    if (!entry) return null;
    this.idle.delete(key);
    clearTimeout(entry.timer);
    if (entry.stream.healthy) return entry.stream;
    void entry.stream.stop();
    return null;
  }

  keep(key: string, stream: ChangeStream): void {
    const timer = setTimeout(() => {
      this.idle.delete(key);
      void stream.stop();
    }, this.idleMs);
    timer.unref();
    this.idle.set(key, { stream, timer });
  }
}
