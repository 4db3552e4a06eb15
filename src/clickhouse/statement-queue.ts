/**
 * The embedded engine runs one statement at a time: a second one waits
 * inside it, in no order of ours, so a CDC batch's insert waited behind
 * every chunk insert a load had queued (four lanes of them). Statements go
 * to the engine through this queue instead, one at a time; an urgent one
 * goes ahead of every waiting statement that is not, so it waits for the
 * statement in the engine at most.
 */
export class StatementQueue {
  private busy = false;
  private readonly waiting: { urgent: boolean; start: () => void }[] = [];

  async run<T>(urgent: boolean, statement: () => Promise<T>): Promise<T> {
    if (this.busy) {
      await new Promise<void>((start) => {
        // Urgent ones in their own order, ahead of the others.
        const at = urgent ? this.waiting.findIndex((w) => !w.urgent) : -1;
        this.waiting.splice(at < 0 ? this.waiting.length : at, 0, { urgent, start });
      });
    }
    this.busy = true;
    try {
      return await statement();
    } finally {
      const next = this.waiting.shift();
      // The engine passes straight to the next statement: busy stays true.
      if (next) next.start();
      else this.busy = false;
    }
  }

  /** Statements waiting for the engine (not the one in it). */
  get length(): number {
    return this.waiting.length;
  }
}
