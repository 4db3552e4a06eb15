import { Worker } from 'node:worker_threads';
import type { BinlogReaderOptions } from '../mysql/binlog-reader.js';
import { fromWireError } from './wire-error.js';
import { sourcesOf, WireReader, type ControlMessage, type StreamItem, type ThreadMessage } from './change-wire.js';

export type { StreamItem } from './change-wire.js';

/** Items queued before the thread stops reading, and where it starts again. */
const HIGH_WATER = 20_000;
const LOW_WATER = 5_000;

/** How long a stop waits for the thread to close its connection before ending it. */
const STOP_MS = 3_000;

/**
 * The source's binlog from a position, as destination rows, commit points
 * and stopped tables, read, decoded and encoded in a thread of its own
 * (change-thread.ts). Items queue until `next()` takes them; reading pauses
 * while too many wait.
 */
export class ChangeStream {
  private worker: Worker | null = null;
  private readonly sources: string[];
  private readonly queue: WireReader[] = [];
  private queued = 0;
  private waiter: (() => void) | null = null;
  private failure: Error | null = null;
  private paused = false;
  private stopped: Promise<void> | null = null;

  /** When the last event arrived (ms since the epoch). */
  lastEventAt = Date.now();

  constructor(private readonly options: BinlogReaderOptions) {
    this.sources = sourcesOf(options.targets);
  }

  start(): void {
    const worker = new Worker(new URL('./change-thread.js', import.meta.url), { workerData: { options: this.options } });
    this.worker = worker;
    worker.on('message', (m: ThreadMessage) => this.onMessage(m));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => {
      if (!this.stopped) this.fail(new Error(`the binlog reader's thread ended (exit code ${code})`));
    });
  }

  private onMessage(m: ThreadMessage): void {
    if (m.type === 'items') {
      this.lastEventAt = m.at;
      if (m.items === 0) return;
      this.queue.push(new WireReader(m, this.sources));
      this.queued += m.items;
      // Backpressure: the thread stops reading the socket while the consumer is behind.
      if (!this.paused && this.queued >= HIGH_WATER) {
        this.paused = true;
        this.control({ type: 'pause' });
      }
      this.wake();
    } else if (m.type === 'error') {
      this.fail(fromWireError(m.error));
    } else {
      // Its connection is closed: nothing is left to wait for.
      void this.worker?.terminate();
    }
  }

  private control(m: ControlMessage): void {
    this.worker?.postMessage(m);
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** False once the reader has failed (a reused stream must not be). */
  get healthy(): boolean {
    return this.failure === null;
  }

  /** Items queued so far and not yet taken. */
  get pending(): number {
    return this.queued;
  }

  /** The next item, or null when none arrives within `timeoutMs`. */
  async next(timeoutMs: number): Promise<StreamItem | null> {
    if (this.failure) throw this.failure;
    if (this.queued === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = null;
          resolve();
        }, Math.max(0, timeoutMs));
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (this.failure) throw this.failure;
    }
    return this.take();
  }

  /** The next queued item, or null when none is queued. */
  take(): StreamItem | null {
    for (;;) {
      const reader = this.queue[0];
      if (!reader) return null;
      const item = reader.next();
      if (item === null) {
        this.queue.shift();
        continue;
      }
      this.queued--;
      if (this.paused && this.queued <= LOW_WATER) {
        this.paused = false;
        this.control({ type: 'resume' });
      }
      return item;
    }
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.stopped ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate().then(() => resolve()), STOP_MS);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.control({ type: 'stop' });
    });
    await this.stopped;
  }
}
