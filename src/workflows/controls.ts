import { CancellationScope, condition, isCancellation, setHandler } from '@temporalio/workflow';
import { deepestMessage } from '../pipe/errors.js';
import { setStatus, type PipeStatus, type PipeStatusView } from '../pipe/status.js';
import { activityRetrySignal, dropSignal, pauseSignal, resumeSignal, statusQuery } from './messages.js';

/**
 * What users can do to a running pipe (or a resync, which owns the pipe while
 * it runs): query its status, pause, resume, drop; and the rule for errors
 * that retries cannot fix: show Failed, wait for resume (retry) or drop.
 */
export class PipeControls {
  paused: boolean;
  /** The step running now (Failed and Paused are shown over it). */
  private phase: PipeStatus = 'Setup';
  private resumeRequested = false;
  private dropRequested = false;

  constructor(readonly view: PipeStatusView, paused = false) {
    this.paused = paused;
    setHandler(statusQuery, () => this.view);
    setHandler(pauseSignal, () => {
      if (this.paused) return;
      this.paused = true;
      view.pauseRequested = true;
      if (view.status === 'Snapshot') setStatus(view, 'Paused', new Date());
    });
    setHandler(resumeSignal, () => {
      this.resumeRequested = true;
      if (!this.paused) return;
      this.paused = false;
      view.pauseRequested = false;
      if (view.status === 'Paused' && this.phase === 'Snapshot') setStatus(view, 'Snapshot', new Date());
    });
    setHandler(dropSignal, () => {
      this.dropRequested = true;
    });
    setHandler(activityRetrySignal, ({ activity, attempt, error }) => {
      view.lastError = `${activity} (attempt ${attempt}, retrying): ${error}`;
      view.lastErrorAt = new Date().toISOString();
      view.retries = (view.retries ?? 0) + 1;
    });
  }

  setStatus(status: PipeStatus): void {
    setStatus(this.view, status, new Date());
  }

  /** Runs a step; on failure shows Failed and waits for resume (retry) or drop. */
  async step<T>(status: PipeStatus, body: () => Promise<T>): Promise<T> {
    this.phase = status;
    for (;;) {
      this.setStatus(this.paused && status === 'Snapshot' ? 'Paused' : status);
      try {
        return await body();
      } catch (err) {
        if (isCancellation(err)) throw err;
        this.setStatus('Failed');
        this.view.lastError = deepestMessage(err);
        this.view.lastErrorAt = new Date().toISOString();
        this.resumeRequested = false;
        await condition(() => this.resumeRequested);
        this.paused = false;
        this.view.pauseRequested = false;
      }
    }
  }

  /** Waits while paused, showing Paused, unless `unless` comes true first. */
  async whilePaused(unless: () => boolean = () => false): Promise<void> {
    if (!this.paused || unless()) return;
    this.setStatus('Paused');
    this.view.pauseRequested = false;
    await condition(() => !this.paused || unless());
  }

  /** Ends the workflow as a drop would. */
  requestDrop(): void {
    this.dropRequested = true;
  }

  /** Runs `body`; a drop cancels whatever runs, and the result is 'Dropped'. */
  async untilDropped<T>(body: () => Promise<T>): Promise<T | 'Dropped'> {
    const main = new CancellationScope();
    void condition(() => this.dropRequested).then(() => main.cancel());
    try {
      return await main.run(body);
    } catch (err) {
      if (this.dropRequested && isCancellation(err)) return 'Dropped';
      throw err;
    }
  }
}
