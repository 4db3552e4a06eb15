import { CancellationScope, condition, isCancellation, proxySinks, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import { PIPE_NAME_ATTRIBUTE, PIPE_STATUS_ATTRIBUTE } from '../pipe/search-attributes.js';
import type { PipeSinks } from '../contract/sinks.js';
import { deepestMessage } from '../pipe/errors.js';
import { setStatus, type PipeStatus, type PipeStatusView } from '../pipe/status.js';
import { recordError, recordRetry } from '../pipe/status-updates.js';
import { activityRetrySignal, dropSignal, pauseSignal, resumeSignal, statusQuery, type ActivityRetry } from '../contract/messages.js';
import { FailureStreak } from '../pipe/failure-streak.js';

const { pipeState } = proxySinks<PipeSinks>();

/** Patch id: pipes keep their name and status as search attributes (where the namespace has them). */
export const SEARCH_ATTRIBUTES = 'search-attributes';

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
  private readonly streak = new FailureStreak();
  /** Set when a step's activity keeps failing the same way: the step stops with this message. */
  private giveUp: string | null = null;
  /** Called for every retried failure (the pipe uses it to end a drain that cannot make progress). */
  onRetry: (retry: ActivityRetry) => void = () => undefined;
  /** Called when a step stops as Failed (an online resync tells its pipe). */
  onFailed: (message: string) => Promise<void> = async () => undefined;

  /** `showsPipe`: its status is the pipe's (not a resync of some tables, whose pipe shows its own). */
  constructor(
    readonly view: PipeStatusView,
    paused = false,
    private readonly showsPipe = true,
  ) {
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
    setHandler(activityRetrySignal, (retry) => {
      recordRetry(view, retry, new Date());
      this.giveUp ??= this.streak.record(retry);
      this.onRetry(retry);
    });
  }

  /** Set once the namespace is known to have the pipes' search attributes: status changes update them. */
  private searchable = false;

  setStatus(status: PipeStatus): void {
    const changed = this.view.status !== status;
    setStatus(this.view, status, new Date());
    this.announce();
    if (changed && this.searchable) upsertSearchAttributes([{ key: PIPE_STATUS_ATTRIBUTE, value: status }]);
  }

  /** From now on, the pipe's name and status are search attributes of this workflow. */
  makeSearchable(): void {
    if (!this.showsPipe) return;
    this.searchable = true;
    upsertSearchAttributes([
      { key: PIPE_NAME_ATTRIBUTE, value: this.view.name },
      { key: PIPE_STATUS_ATTRIBUTE, value: this.view.status },
    ]);
  }

  /** Tells the worker's metrics the pipe's status (after a change, and now and then: a restarted worker learns it again). */
  announce(ended = false): void {
    if (this.showsPipe) pipeState.changed(this.view.name, ended ? null : this.view.status);
  }

  /**
   * Runs a step; on a failure that retries cannot fix (or the same failure
   * over and over) shows Failed and waits for resume (retry) or drop.
   */
  async step<T>(status: PipeStatus, body: () => Promise<T>): Promise<T> {
    this.phase = status;
    for (;;) {
      this.setStatus(this.paused && status === 'Snapshot' ? 'Paused' : status);
      try {
        const result = await this.unlessStuck(body);
        this.streak.reset();
        this.giveUp = null;
        return result;
      } catch (err) {
        if (isCancellation(err)) throw err;
        this.setStatus('Failed');
        recordError(this.view, deepestMessage(err), new Date());
        await this.onFailed(deepestMessage(err));
        this.resumeRequested = false;
        await condition(() => this.resumeRequested);
        this.paused = false;
        this.view.pauseRequested = false;
        this.streak.reset();
        this.giveUp = null;
      }
    }
  }

  /** Runs `body`, cancelling it and failing with the message when its activity keeps failing the same way. */
  private async unlessStuck<T>(body: () => Promise<T>): Promise<T> {
    const scope = new CancellationScope();
    let settled = false;
    const run = scope.run(body).finally(() => {
      settled = true;
    });
    // Its outcome is awaited below, or dropped with a drop's cancellation.
    run.catch(() => undefined);
    await condition(() => settled || this.giveUp !== null);
    if (settled) return run;
    const message = this.giveUp!;
    scope.cancel();
    await run.catch(() => undefined);
    throw new Error(message);
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
