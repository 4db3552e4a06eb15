import { rmSync } from 'node:fs';
import { CDC_SETTINGS, BenchContext } from './bench/context.js';
import { startBenchStack } from './bench/bench-stack.js';
import { Cleanup } from './bench/cleanup.js';
import { runMainPipe, type MainPipeResults } from './bench/main-pipe.js';
import { measureMemory, type MemoryResult } from './bench/measure-memory.js';
import { measureNativeCopy, type NativeCopyResult } from './bench/measure-native-copy.js';
import { measurePullLoad, type PullLoadResult } from './bench/measure-pull-load.js';
import { measureRateLimit, type RateLimitResult } from './bench/measure-rate-limit.js';
import { parseBenchOptions, type BenchOptions, type Section } from './bench/options.js';
import { BenchOutput } from './bench/output.js';
import { figure, loadAverage, machine, notMeasured, summaryTable, type Figure } from './bench/report.js';
import { MAIN_TABLE, ensureSourceTable, resetSource, type GeneratedTable } from './bench/source-table.js';
import type { LoadTiming } from './bench/pipe-load.js';

/**
 * `npm run bench`: starts a stack of its own, generates the source tables,
 * and measures the pipe against its targets: initial load and resync speed
 * (against the engine's own copy), CDC throughput and lag, rows re-read
 * after a crash, the worker's memory, and the rate limit. See --help.
 */

/** Peak RSS may grow this much from the smallest to the largest table and still count as flat. */
const FLAT_RSS_GROWTH = 1.25;
const RSS_LIMIT_MB = 600;

interface Measured {
  tables: GeneratedTable[];
  native?: NativeCopyResult;
  main?: MainPipeResults;
  pull?: PullLoadResult;
  memory?: MemoryResult;
  rate?: RateLimitResult;
  errors: Partial<Record<Section, string>>;
}

const MAIN_SECTIONS: Section[] = ['initial-load', 'resync', 'crash', 'cdc-burst', 'cdc-lag'];
const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!;

async function measure(ctx: BenchContext): Promise<Measured> {
  const { opts, out } = ctx;
  const run = (s: Section) => !opts.skip.has(s);
  const m: Measured = { tables: [], errors: {} };
  const section = async <T>(name: Section, body: () => Promise<T>): Promise<T | undefined> => {
    if (!run(name)) return undefined;
    try {
      return await body();
    } catch (err) {
      m.errors[name] = message(err);
      out.result(`${name}: FAILED: ${message(err)}`);
      return undefined;
    }
  };

  const mainSections = new Set(MAIN_SECTIONS.filter(run));
  if (mainSections.size > 0 || run('pull-load')) {
    out.progress(`generating the source table of ${opts.rows.toLocaleString('en-US')} rows`);
    const main = await ensureSourceTable(ctx.stack.mysqlPort, opts.rows, (msg) => out.progress(msg), MAIN_TABLE);
    m.tables.push(main);
    out.result(`source table ${main.table}: ${main.rows.toLocaleString('en-US')} rows generated in ${(main.ms / 1000).toFixed(1)} s`);
    if (run('initial-load') || run('pull-load')) {
      m.native = await section(run('initial-load') ? 'initial-load' : 'pull-load', () => measureNativeCopy(ctx, main.table));
    }
    if (mainSections.size > 0) {
      // The initial load is needed by every section on the main pipe.
      mainSections.add('initial-load');
      m.main = await runMainPipe(ctx, main.table, opts.rows, mainSections);
      Object.assign(m.errors, m.main.errors);
    }
    m.pull = await section('pull-load', () => measurePullLoad(ctx, main.table));
  }
  m.memory = await section('memory', () => measureMemory(ctx, opts.memorySizes));
  if (m.memory) m.tables.push(...m.memory.tables);
  // Only tables as generated are reused (the main table has been changed by CDC).
  const unchanged = m.memory?.tables.map((t) => t.rows) ?? [];
  m.rate = await section('rate-limit', () => measureRateLimit(ctx, opts.rate, unchanged));
  if (m.rate) m.tables.push(m.rate.table);
  return m;
}

function figures(opts: BenchOptions, m: Measured): Figure[] {
  const skipped = (s: Section) => (opts.skip.has(s) ? 'skipped' : `not measured: ${m.errors[s] ?? 'see above'}`);
  const main = m.main;
  const load = main?.initialLoad;
  const native = m.native;
  const f: Figure[] = [];

  f.push(
    load && native
      ? figure('initialLoadRatio', load.rowsPerSecond / native.rowsPerSecond, '≥ 0.5', (v) => v >= 0.5,
          `pipe ${Math.round(load.rowsPerSecond)} rows/s ÷ native ${Math.round(native.rowsPerSecond)} rows/s`)
      : notMeasured('initialLoadRatio', '≥ 0.5', skipped('initial-load')),
  );

  const pull = m.pull;
  f.push(
    pull?.available && native
      ? figure('pullLoadRatio', pull.load.rowsPerSecond / native.rowsPerSecond, '≥ 0.9', (v) => v >= 0.9,
          `pull ${Math.round(pull.load.rowsPerSecond)} rows/s ÷ native ${Math.round(native.rowsPerSecond)} rows/s`)
      : notMeasured('pullLoadRatio', '≥ 0.9', pull && !pull.available ? pull.note : skipped('pull-load')),
  );

  const resync = main?.resync;
  f.push(
    resync && load
      ? figure('resyncRatio', resync.ms / load.load.endToEndMs, '≤ 1.15', (v) => v <= 1.15,
          `resync ${(resync.ms / 1000).toFixed(1)} s ÷ create → Running ${(load.load.endToEndMs / 1000).toFixed(1)} s`)
      : notMeasured('resyncRatio', '≤ 1.15', skipped('resync')),
  );

  const settingsNote = `syncIntervalSeconds ${CDC_SETTINGS.syncIntervalSeconds}, pullBatchSize ${CDC_SETTINGS.pullBatchSize}`;
  const burst = main?.cdcBurst;
  f.push(
    burst
      ? figure('cdcChangesPerSecond', burst.changesPerSecond, '≥ 30,000', (v) => v >= 30_000,
          `${burst.changes} changes in ${(burst.ms / 1000).toFixed(1)} s; ${settingsNote}`)
      : notMeasured('cdcChangesPerSecond', '≥ 30,000', skipped('cdc-burst')),
  );

  const lag = main?.cdcLag;
  const lagLimit = CDC_SETTINGS.syncIntervalSeconds + 2;
  f.push(
    lag
      ? figure('cdcLagSeconds', lag.maxSeconds, `< ${lagLimit} s`, (v) => v < lagLimit,
          `max; p50 ${lag.p50Seconds.toFixed(2)} s at ${Math.round(lag.changesPerSecond)} changes/s; ${settingsNote}`)
      : notMeasured('cdcLagSeconds', `< ${lagLimit} s`, skipped('cdc-lag')),
  );

  const crash = main?.crash;
  f.push(
    crash
      ? figure('crashWaste', crash.waste, `≤ ${crash.bound.toFixed(3)}`, (v) => v <= crash.bound,
          `rows read ÷ table rows; bound 1 + threads × rowsPerPartition ÷ rows`)
      : notMeasured('crashWaste', '≤ 1 + threads × rowsPerPartition ÷ rows', skipped('crash')),
  );

  const mem = m.memory;
  const rssTarget = `< ${RSS_LIMIT_MB} MB, flat (×≤${FLAT_RSS_GROWTH})`;
  if (load) {
    const bySize = mem ? Object.values(mem.peakRssBySize) : [];
    const flat = !mem || mem.growth <= FLAT_RSS_GROWTH;
    f.push(
      figure('peakRssMb', load.peakRssMb, rssTarget, (v) => v < RSS_LIMIT_MB && bySize.every((b) => b < RSS_LIMIT_MB) && flat,
        mem
          ? `by size: ${Object.entries(mem.peakRssBySize).map(([s, v]) => `${Number(s).toLocaleString('en-US')} rows ${v} MB`).join(', ')}; ×${mem.growth.toFixed(2)}`
          : 'sizes not compared (memory skipped)'),
    );
  } else if (mem) {
    const peaks = Object.values(mem.peakRssBySize);
    f.push(figure('peakRssMb', Math.max(...peaks), rssTarget, (v) => v < RSS_LIMIT_MB && mem.growth <= FLAT_RSS_GROWTH,
      `largest of the sizes; ×${mem.growth.toFixed(2)}`));
  } else {
    f.push(notMeasured('peakRssMb', rssTarget, skipped('memory')));
  }

  const rate = m.rate;
  // A cap the pipe cannot reach even unthrottled measures the load's speed, not the limiter.
  const unthrottled = Math.max(load?.rowsPerSecond ?? 0, ...Object.values(mem?.rowsPerSecondBySize ?? {}));
  const unreachable =
    rate && unthrottled > 0 && unthrottled < rate.rate * 1.05
      ? `; the pipe loads only ${Math.round(unthrottled)} rows/s unthrottled here, so the cap is out of reach (a lower --rate tests the limiter)`
      : '';
  f.push(
    rate
      ? figure('rateLimitError', rate.error, '≤ 0.10', (v) => v <= 0.1,
          `cap ${rate.rate} rows/s, achieved ${Math.round(rate.achieved)} rows/s on ${rate.rows} rows${unreachable}`)
      : notMeasured('rateLimitError', '≤ 0.10', skipped('rate-limit')),
  );
  return f;
}

const secs = (ms: number) => Math.round(ms) / 1000;
const timing = (t: LoadTiming) => ({ rows: t.rows, loadSeconds: secs(t.loadMs), endToEndSeconds: secs(t.endToEndMs) });

/** The JSON object: the figures under their keys, then the sizes, targets and every raw number behind them. */
function jsonReport(opts: BenchOptions, m: Measured, figs: Figure[], startedAt: Date, loadAtStart: number) {
  const main = m.main;
  const load = main?.initialLoad;
  const values = Object.fromEntries(figs.map((f) => [f.key, f.value]));
  return {
    ...values,
    peakRssBySize: m.memory?.peakRssBySize ?? null,
    sizes: { rows: opts.rows, cdcChanges: opts.cdcChanges, memorySizes: opts.memorySizes, rate: opts.rate },
    targets: Object.fromEntries(figs.map((f) => [f.key, { target: f.target, met: f.met, ...(f.note ? { note: f.note } : {}) }])),
    allTargetsMet: figs.every((f) => f.met !== false),
    details: {
      sourceTables: m.tables.filter((t) => t.generated).map((t) => ({ table: t.table, rows: t.rows, generateSeconds: secs(t.ms) })),
      nativeCopy: m.native && { rows: m.native.rows, seconds: secs(m.native.ms), rowsPerSecond: Math.round(m.native.rowsPerSecond), peakRssMb: Math.round(m.native.peakRssMb), cpuSeconds: m.native.cpu },
      initialLoad: load && {
        ...timing(load.load),
        rowsPerSecond: Math.round(load.rowsPerSecond),
        endToEndRowsPerSecond: Math.round(load.endToEndRowsPerSecond),
        rssBeforeMb: Math.round(load.rssBeforeMb),
        peakRssMb: Math.round(load.peakRssMb),
        highWaterMarkMb: Math.round(load.highWaterMarkMb),
        rssAfterMb: Math.round(load.rssAfterMb),
        cpuSeconds: load.cpu,
        settings: load.settings,
      },
      pullLoad: m.pull?.available
        ? {
            ...timing(m.pull.load.load),
            rowsPerSecond: Math.round(m.pull.load.rowsPerSecond),
            peakRssMb: Math.round(m.pull.load.peakRssMb),
            cpuSeconds: m.pull.load.cpu,
          }
        : m.pull && { note: m.pull.note },
      resync: main?.resync && {
        seconds: secs(main.resync.ms),
        setupSeconds: secs(main.resync.phases.setupMs),
        snapshotSeconds: secs(main.resync.phases.snapshotMs),
        swapAndRestartSeconds: secs(main.resync.phases.swapMs),
        loadRowsPerSecond: Math.round((main.resync.load.rows * 1000) / main.resync.load.loadMs),
        peakRssMb: Math.round(main.resync.peakRssMb),
        cpuSeconds: main.resync.cpu,
      },
      crash: main?.crash && {
        tableRows: main.crash.tableRows,
        readAtKill: main.crash.readAtKill,
        readTotal: main.crash.readTotal,
        waste: Math.round(main.crash.waste * 1000) / 1000,
        bound: Math.round(main.crash.bound * 1000) / 1000,
        seconds: secs(main.crash.ms),
      },
      cdcBurst: main?.cdcBurst && {
        changes: main.cdcBurst.changes,
        writeSeconds: secs(main.cdcBurst.writeMs),
        seconds: secs(main.cdcBurst.ms),
        changesPerSecond: Math.round(main.cdcBurst.changesPerSecond),
        transaction: main.cdcBurst.transaction,
        batches: main.cdcBurst.batches,
        peakRssMb: Math.round(main.cdcBurst.peakRssMb),
        cpuSeconds: main.cdcBurst.cpu,
        settings: CDC_SETTINGS,
      },
      cdcLag: main?.cdcLag && { ...main.cdcLag, changesPerSecond: Math.round(main.cdcLag.changesPerSecond), settings: CDC_SETTINGS },
      consistency: main?.consistency,
      memory: m.memory && {
        peakRssBySize: m.memory.peakRssBySize,
        rssBeforeBySize: m.memory.rssBeforeBySize,
        growth: Math.round(m.memory.growth * 1000) / 1000, rowsPerSecondBySize: m.memory.rowsPerSecondBySize },
      rateLimit: m.rate && {
        rate: m.rate.rate,
        rows: m.rate.rows,
        achieved: Math.round(m.rate.achieved),
        error: Math.round(m.rate.error * 1000) / 1000,
        endToEndAchieved: Math.round(m.rate.endToEndAchieved),
      },
      errors: m.errors,
    },
    machine: machine(loadAtStart),
    date: startedAt.toISOString(),
    durationSeconds: secs(Date.now() - startedAt.getTime()),
  };
}

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
    const measured = await measure(ctx);
    const figs = figures(opts, measured);
    const report = jsonReport(opts, measured, figs, startedAt, loadAtStart);
    const { cores, loadAverage: load } = report.machine;
    const footer = `${cores} cores, load average ${load.atStart} at the start and ${load.atEnd} at the end; ${report.date}`;
    out.final(`\n${summaryTable(figs)}\n\n${footer}\n`, report);
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
