/** How long after a CDC batch ends the next one counts as on its way (the workflow starts it at once). */
const BETWEEN_BATCHES_MS = 2_000;

/**
 * Whether this process is following a binlog: a CDC batch runs here, or one
 * ended moments ago. A load sharing the process with CDC (an online
 * resync, tables added to a running pipe) keeps its inserts smaller, so the
 * batches do not wait behind them.
 */
export const cdcActivity = {
  running: 0,
  lastEnd: 0,
  begin(): void {
    this.running++;
  },
  end(): void {
    this.running--;
    this.lastEnd = Date.now();
  },
  active(): boolean {
    return this.running > 0 || Date.now() - this.lastEnd < BETWEEN_BATCHES_MS;
  },
};
