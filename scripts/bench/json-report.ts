import { CDC_SETTINGS } from './context.js';
import { machine, type Figure } from './report.js';
import type { BenchOptions } from './options.js';
import type { NativeCopyResult } from './measure-native-copy.js';
import type { LoadTiming } from './pipe-load.js';
import { bestTry, copyAfter, tryRatio, type LoadTry, type PullLoadResult } from './measure-pull-load.js';
import type { Measured } from './run-sections.js';

const secs = (ms: number) => Math.round(ms) / 1000;
const brief = (c: NativeCopyResult | undefined) => c && ({ rows: c.rows, seconds: secs(c.ms), rowsPerSecond: Math.round(c.rowsPerSecond) });
const timing = (t: LoadTiming) => ({ rows: t.rows, loadSeconds: secs(t.loadMs), endToEndSeconds: secs(t.endToEndMs) });
const tries = (list: LoadTry[] | undefined) =>
  list?.map((t) => {
    const ratio = tryRatio(t);
    return {
      rowsPerSecond: t.result.available ? Math.round(t.result.load.rowsPerSecond) : null,
      loadSeconds: t.result.available ? secs(t.result.load.load.loadMs) : null,
      nativeBeforeRowsPerSecond: t.nativeBefore ? Math.round(t.nativeBefore.rowsPerSecond) : null,
      nativeAfterRowsPerSecond: t.nativeAfter ? Math.round(t.nativeAfter.rowsPerSecond) : null,
      ratio: ratio === null ? null : Math.round(ratio * 1000) / 1000,
    };
  }) ?? null;
/** A pull or auto load's best try, as the JSON had it before there were tries. */
const pipeLoad = (r: PullLoadResult | undefined) =>
  r?.available
    ? { ...timing(r.load.load), rowsPerSecond: Math.round(r.load.rowsPerSecond), peakRssMb: Math.round(r.load.peakRssMb), cpuSeconds: r.load.cpu }
    : r && { note: r.note };

/** The JSON object: the figures under their keys, then the sizes, targets and every raw number behind them. */
export function jsonReport(opts: BenchOptions, m: Measured, figs: Figure[], startedAt: Date, loadAtStart: number) {
  const main = m.main;
  const load = main?.initialLoad;
  const values = Object.fromEntries(figs.map((f) => [f.key, f.value]));
  return {
    ...values,
    peakRssBySize: m.memory?.peakRssBySize ?? null,
    /** Peak RSS of the largest --memory-sizes table ÷ that of the smallest. */
    peakRssGrowth: m.memory ? Math.round(m.memory.growth * 1000) / 1000 : null,
    sizes: { rows: opts.rows, cdcChanges: opts.cdcChanges, memorySizes: opts.memorySizes, rate: opts.rate },
    targets: Object.fromEntries(figs.map((f) => [f.key, { target: f.target, met: f.met, ...(f.note ? { note: f.note } : {}) }])),
    allTargetsMet: figs.every((f) => f.met !== false),
    details: {
      sourceTables: m.tables
        .filter((t) => t.generated)
        .map((t) => ({ table: t.table, rows: t.rows, generateSeconds: secs(t.ms) })),
      nativeCopyAfterPull: brief(copyAfter(m.pullTries)),
      nativeCopyAfterAuto: brief(copyAfter(m.autoTries)),
      nativeCopyAfter: brief(m.nativeAfter),
      /** Every try of the pull and auto loads; `pullLoad` and `autoLoad` are the best one. */
      pullLoadTries: tries(m.pullTries),
      autoLoadTries: tries(m.autoTries),
      autoLoad: pipeLoad(bestTry(m.autoTries)?.result) ?? null,
      nativeCopy: m.native && {
        rows: m.native.rows,
        seconds: secs(m.native.ms),
        rowsPerSecond: Math.round(m.native.rowsPerSecond),
        peakRssMb: Math.round(m.native.peakRssMb),
        peakAnonRssMb: Math.round(m.native.peakAnonRssMb),
        cpuSeconds: m.native.cpu,
      },
      initialLoad: load && {
        ...timing(load.load),
        rowsPerSecond: Math.round(load.rowsPerSecond),
        endToEndRowsPerSecond: Math.round(load.endToEndRowsPerSecond),
        rssBeforeMb: Math.round(load.rssBeforeMb),
        peakRssMb: Math.round(load.peakRssMb),
        peakAnonRssMb: Math.round(load.peakAnonRssMb),
        highWaterMarkMb: Math.round(load.highWaterMarkMb),
        rssAfterMb: Math.round(load.rssAfterMb),
        cpuSeconds: load.cpu,
        settings: load.settings,
      },
      validate: main?.validate && {
        rows: main.validate.rows,
        seconds: secs(main.validate.ms),
        rowsPerSecond: Math.round(main.validate.rowsPerSecond),
        differingKeys: main.validate.differingKeys,
        cpuSeconds: main.validate.cpu,
      },
      pullLoad: pipeLoad(bestTry(m.pullTries)?.result),
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
        binlogMb: Math.round(main.cdcBurst.binlogBytes / 1e5) / 10,
        binlogReadFactor: Math.round(main.cdcBurst.binlogReadFactor * 100) / 100,
        peakRssMb: Math.round(main.cdcBurst.peakRssMb),
        cpuSeconds: main.cdcBurst.cpu,
        catchUp: {
          changes: main.cdcBurst.catchUp.changes,
          writeSeconds: secs(main.cdcBurst.catchUp.writeMs),
          seconds: secs(main.cdcBurst.catchUp.ms),
          changesPerSecond: Math.round(main.cdcBurst.catchUp.changesPerSecond),
          cpuSeconds: main.cdcBurst.catchUp.cpu,
        },
        settings: CDC_SETTINGS,
      },
      onlineResync: main?.onlineResync && {
        seconds: secs(main.onlineResync.ms),
        rows: main.onlineResync.rows,
        maxLagSeconds: main.onlineResync.maxLagSeconds,
        markers: main.onlineResync.markers,
        writerChangesPerSecond: Math.round(main.onlineResync.changesPerSecond),
        setupSeconds: secs(main.onlineResync.phases.setupMs),
        snapshotSeconds: secs(main.onlineResync.phases.snapshotMs),
        swapSeconds: secs(main.onlineResync.phases.swapMs),
        cpuSeconds: main.onlineResync.cpu,
      },
      cdcLag: main?.cdcLag && {
        changesPerSecond: Math.round(main.cdcLag.changesPerSecond),
        changes: main.cdcLag.changes,
        markers: main.cdcLag.markers,
        p50Seconds: main.cdcLag.p50Seconds,
        maxSeconds: main.cdcLag.maxSeconds,
        cpuSeconds: main.cdcLag.cpu,
        settings: CDC_SETTINGS,
      },
      consistency: main?.consistency,
      memory: m.memory && {
        peakRssBySize: m.memory.peakRssBySize,
        peakAnonRssBySize: m.memory.peakAnonRssBySize,
        rssBeforeBySize: m.memory.rssBeforeBySize,
        growth: Math.round(m.memory.growth * 1000) / 1000,
        rowsPerSecondBySize: m.memory.rowsPerSecondBySize,
      },
      rateLimit: m.rate && {
        rate: m.rate.rate,
        rows: m.rate.rows,
        achieved: Math.round(m.rate.achieved),
        error: Math.round(m.rate.error * 1000) / 1000,
        endToEndAchieved: Math.round(m.rate.endToEndAchieved),
      },
      manyTables: m.many,
      errors: m.errors,
    },
    machine: machine(loadAtStart),
    date: startedAt.toISOString(),
    durationSeconds: secs(Date.now() - startedAt.getTime()),
  };
}

