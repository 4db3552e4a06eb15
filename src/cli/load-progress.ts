import cliProgress from 'cli-progress';
import type { PipeStatusView } from '../pipe/status.js';

/** Initial-load progress summed over a pipe's tables. */
export function loadTotals(view: PipeStatusView) {
  let rows = 0;
  let chunksDone = 0;
  let chunksTotal = 0;
  for (const t of Object.values(view.tables)) {
    rows += t.initialLoad.rowsLoaded;
    chunksDone += t.initialLoad.chunksDone;
    chunksTotal += t.initialLoad.chunksTotal;
  }
  return { rows, chunksDone, chunksTotal };
}

/**
 * Shows an initial load as it runs: a progress bar on a terminal, a line
 * every few seconds otherwise (logs, CI).
 */
export class LoadProgress {
  private bar: cliProgress.SingleBar | null = null;
  private lastLine = 0;
  private readonly started = Date.now();

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(view: PipeStatusView): void {
    if (view.status !== 'Snapshot' && view.status !== 'Paused') return;
    const { rows, chunksDone, chunksTotal } = loadTotals(view);
    if (chunksTotal === 0) return;
    const rate = Math.round(rows / Math.max(0.001, (Date.now() - this.started) / 1000));
    if (this.stream.isTTY) {
      if (!this.bar) {
        this.bar = new cliProgress.SingleBar(
          {
            stream: this.stream,
            format: '{bar} {value}/{total} chunks | {rows} rows | {rate} rows/s | {status}',
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(chunksTotal, chunksDone, { rows, rate, status: view.status });
      }
      this.bar.setTotal(chunksTotal);
      this.bar.update(chunksDone, { rows, rate, status: view.status });
    } else if (Date.now() - this.lastLine >= 2_000) {
      this.lastLine = Date.now();
      this.stream.write(`${view.name}: ${view.status} ${chunksDone}/${chunksTotal} chunks, ${rows} rows, ${rate} rows/s\n`);
    }
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
