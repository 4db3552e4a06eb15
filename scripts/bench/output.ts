/**
 * Where a run writes. Progress always goes to stderr; figures and the
 * summary go to stdout, except with --json, where stdout carries the one
 * JSON object and nothing else.
 */
export class BenchOutput {
  private readonly started = Date.now();

  constructor(private readonly json: boolean) {}

  /** A progress line, stamped with the seconds since the start. */
  progress(message: string): void {
    const s = ((Date.now() - this.started) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[${s} s] ${message}\n`);
  }

  /** A result line, as soon as it is known. */
  result(line: string): void {
    (this.json ? process.stderr : process.stdout).write(`${line}\n`);
  }

  /** The closing report: the table, or the JSON object. */
  final(table: string, object: unknown): void {
    if (this.json) {
      process.stderr.write(`${table}\n`);
      process.stdout.write(`${JSON.stringify(object, null, 2)}\n`);
    } else {
      process.stdout.write(`${table}\n`);
    }
  }
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
export const perSecond = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;
export const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** An error as one line, for a progress or summary line. */
export const errorLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
