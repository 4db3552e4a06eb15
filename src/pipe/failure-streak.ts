/**
 * Errors that retrying cannot fix are not always recognisable as such (an
 * unknown error from a server, a bug). The same failure, over and over, is:
 * after LIMIT identical retried failures in a row the step stops as Failed
 * with the message, and `resume` tries again. Transient faults (a network
 * outage, a server restarting) never count: they are retried without limit.
 */
export const IDENTICAL_FAILURES_LIMIT = 6;

/** One activity must have failed at least this many times too (parallel chunks failing at once do not count as many tries). */
const MIN_ATTEMPTS = 4;

/** Parts of a message that differ between attempts of the same failure (ids, times, counts). */
const VOLATILE = /[0-9a-f]{8}-[0-9a-f-]{27}|\b[0-9a-f]{16,}\b|\d+/gi;

export class FailureStreak {
  private last: string | null = null;
  private count = 0;

  constructor(private readonly limit = IDENTICAL_FAILURES_LIMIT) {}

  /** Records a retried failure; returns the message to stop with once the same one has come `limit` times in a row. */
  record(failure: { activity: string; error: string; attempt: number; transient?: boolean }): string | null {
    if (failure.transient) return null;
    const key = `${failure.activity}\n${failure.error.replace(VOLATILE, '#')}`;
    this.count = key === this.last ? this.count + 1 : 1;
    this.last = key;
    if (this.count < this.limit || failure.attempt < Math.min(MIN_ATTEMPTS, this.limit)) return null;
    return `${failure.error} (${failure.activity} failed ${this.count} times in a row with this error; fix the cause, then resume)`;
  }

  reset(): void {
    this.last = null;
    this.count = 0;
  }
}
