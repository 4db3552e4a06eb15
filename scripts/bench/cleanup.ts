/**
 * Everything a run started, stopped in reverse order when it ends: normally,
 * on an error, or on Ctrl-C / SIGTERM (then the process exits 130).
 */
export class Cleanup {
  private readonly steps: { name: string; run: () => Promise<void> }[] = [];
  private running: Promise<void> | null = null;

  constructor(onSignalProgress: (message: string) => void) {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        onSignalProgress(`${signal}: stopping everything this run started`);
        void this.runAll().finally(() => process.exit(130));
      });
    }
  }

  /** Registers a stop step; the returned function runs it early (and only once). */
  add(name: string, run: () => Promise<void>): () => Promise<void> {
    let done: Promise<void> | null = null;
    const once = () => (done ??= run());
    const step = { name, run: once };
    this.steps.push(step);
    return async () => {
      await once();
      const i = this.steps.indexOf(step);
      if (i >= 0) this.steps.splice(i, 1);
    };
  }

  runAll(): Promise<void> {
    this.running ??= (async () => {
      while (this.steps.length > 0) {
        const step = this.steps.pop()!;
        try {
          await step.run();
        } catch (err) {
          process.stderr.write(`cleanup of ${step.name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
    })();
    return this.running;
  }
}
