/**
 * A CDC batch's writes, one at a time, each going on while the batch reads
 * on: the activity's thread gathers the next rows while the engine inserts
 * the last ones (it waited for each insert before, idle a third of the
 * burst). At most one write is in flight, which bounds what is held; its
 * failure is thrown by the next `write` or by `settle`.
 */
export class WriteBehind {
  private inFlight: Promise<void> | null = null;

  /** Starts `work` once the write in flight has ended, without waiting for it. */
  async write(work: () => Promise<void>): Promise<void> {
    await this.settle();
    const started = work();
    // Seen by the next write or settle; never an unhandled rejection meanwhile.
    started.catch(() => undefined);
    this.inFlight = started;
  }

  /** Waits for the write in flight; throws its failure. */
  async settle(): Promise<void> {
    const inFlight = this.inFlight;
    this.inFlight = null;
    await inFlight;
  }
}
