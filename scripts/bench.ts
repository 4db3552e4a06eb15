import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchContext } from './bench/context.js';
import { startBenchStack } from './bench/bench-stack.js';
import { Cleanup } from './bench/cleanup.js';
import { figures } from './bench/figures.js';
import { jsonReport } from './bench/json-report.js';
import { parseBenchOptions } from './bench/options.js';
import { BenchOutput } from './bench/output.js';
import { loadAverage, machine, summaryTable } from './bench/report.js';
import { runSections } from './bench/run-sections.js';
import { resetSource } from './bench/source-table.js';

/**
 * `npm run bench`: starts a stack of its own, generates the source tables,
 * and measures the pipe against its targets: initial load and resync speed
 * (against the engine's own copy), CDC throughput and lag, rows re-read
 * after a crash, the worker's memory, and the rate limit. See --help.
 */
async function main(): Promise<number> {
  const opts = parseBenchOptions(process.argv);
  // With --json, stdout carries the JSON object alone: anything the stack
  // helpers print (e.g. a first-run build of the Temporal CLI) goes to stderr.
  if (opts.json) console.log = console.error;
  const out = new BenchOutput(opts.json);
  const cleanup = new Cleanup((msg) => out.progress(msg));
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  try {
    out.progress(
      `benchmark: ${opts.rows.toLocaleString('en-US')} rows, ${opts.cdcChanges.toLocaleString('en-US')} CDC changes, ` +
        `memory sizes ${opts.memorySizes.join(', ')}, rate ${opts.rate}${opts.skip.size ? `; skipping ${[...opts.skip].join(', ')}` : ''}; ` +
        `load average ${loadAtStart} on ${machine(loadAtStart).cores} cores`,
    );
    const stack = await startBenchStack(cleanup);
    out.progress(`stack up: MariaDB on 127.0.0.1:${stack.mysqlPort}, Temporal on ${stack.temporalAddress}; logs in ${stack.logDir}`);
    await resetSource(stack.mysqlPort);
    // The generated tables and the engines' data take gigabytes: gone when the run ends.
    cleanup.add('the benchmark data', async () => {
      await resetSource(stack.mysqlPort);
      rmSync(stack.workDir, { recursive: true, force: true });
    });
    const ctx = new BenchContext(opts, out, cleanup, stack);
    const measured = await runSections(ctx);
    const figs = figures(opts, measured);
    const report = jsonReport(opts, measured, figs, startedAt, loadAtStart);
    const { cores, loadAverage: load } = report.machine;
    const footer = `${cores} cores, load average ${load.atStart} at the start and ${load.atEnd} at the end; ${report.date}`;
    out.final(`\n${summaryTable(figs)}\n\n${footer}\n`, report);
    // Kept for comparing runs; the data of the run itself is removed.
    writeFileSync(join(stack.logDir, 'last-run.json'), `${JSON.stringify(report, null, 2)}\n`);
    out.progress(`benchmark done in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s`);
    return 0;
  } finally {
    await cleanup.runAll();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
