import { CDC_SETTINGS } from './context.js';
import type { BenchOptions, Section } from './options.js';
import { figure, notMeasured, type Figure, type FigureKey } from './report.js';
import { fasterCopy, type NativeCopyResult } from './measure-native-copy.js';
import { bestTry, copyAfter, tryRatio, type LoadTry } from './measure-pull-load.js';
import type { Measured } from './run-sections.js';

/** Peak RSS may grow this much from the smallest to the largest table and still count as flat. */
export const FLAT_RSS_GROWTH = 1.25;
export const RSS_LIMIT_MB = 600;
export const PIPELINE_RSS_LIMIT_MB = 250;

const rps = (n: number) => `${Math.round(n)} rows/s`;

/** The faster of the native copies before and after a load, and a note naming both. */
function nativeAround(before: NativeCopyResult | undefined, after: NativeCopyResult | undefined): { rowsPerSecond: number; note: string } | null {
  const faster = fasterCopy(before, after);
  if (!faster) return null;
  return { rowsPerSecond: faster.rowsPerSecond, note: `${rps(faster.rowsPerSecond)} (the faster of ${before ? rps(before.rowsPerSecond) : '—'} before, ${after ? rps(after.rowsPerSecond) : '—'} after)` };
}

/** A pull or auto load's figure: its best try against the native copies around that try, every try named. */
function loadTriesFigure(key: FigureKey, label: string, tries: LoadTry[] | undefined, failed: string | undefined): Figure {
  const best = bestTry(tries);
  const ratio = best ? tryRatio(best) : null;
  const native = best && nativeAround(best.nativeBefore, best.nativeAfter);
  if (failed !== undefined || !best?.result.available || !native || ratio === null) {
    return notMeasured(key, '≥ 0.9', best && !best.result.available ? best.result.note : (failed ?? 'no native copy to compare with'));
  }
  const all = tries && tries.length > 1 ? `; best of ${tries.length} tries, each against the copies around it: ${tries.map((t) => tryRatio(t)?.toFixed(2) ?? '—').join(', ')}` : '';
  return figure(key, ratio, '≥ 0.9', (v) => v >= 0.9, `${label} ${rps(best.result.load.rowsPerSecond)} ÷ native ${native.note}${all}`);
}

/** Each figure from the measurements, judged against its target. */
export function figures(opts: BenchOptions, m: Measured): Figure[] {
  const why = (s: Section) => (opts.skip.has(s) ? 'skipped' : `not measured: ${m.errors[s] ?? 'see above'}`);
  const { memory: mem, rate } = m;
  // Each load against the faster of the native copies right before and right after it: the machine is shared.
  const streamNative = nativeAround(copyAfter(m.autoTries) ?? copyAfter(m.pullTries) ?? m.native, m.nativeAfter);
  const load = m.main?.initialLoad;
  const resync = m.main?.resync;
  const burst = m.main?.cdcBurst;
  const lag = m.main?.cdcLag;
  const crash = m.main?.crash;
  const cdcSettings = `syncIntervalSeconds ${CDC_SETTINGS.syncIntervalSeconds}, pullBatchSize ${CDC_SETTINGS.pullBatchSize}`;
  const lagLimit = CDC_SETTINGS.syncIntervalSeconds + 2;
  const f: Figure[] = [];

  f.push(
    load && streamNative
      ? figure('initialLoadRatio', load.rowsPerSecond / streamNative.rowsPerSecond, '≥ 0.6', (v) => v >= 0.6,
          `stream ${rps(load.rowsPerSecond)} ÷ native ${streamNative.note}`)
      : notMeasured('initialLoadRatio', '≥ 0.6', why('initial-load')),
  );
  // A failed try fails the figure: the best of the others would hide it.
  const failed = (s: Section) => (opts.skip.has(s) || m.errors[s] !== undefined ? why(s) : undefined);
  f.push(loadTriesFigure('pullLoadRatio', 'pull', m.pullTries, failed('pull-load')));
  f.push(loadTriesFigure('autoLoadRatio', 'default (auto)', m.autoTries, failed('auto-load')));
  f.push(
    resync && load
      ? figure('resyncRatio', resync.ms / load.load.endToEndMs, '≤ 1.15', (v) => v <= 1.15,
          `offline resync ${(resync.ms / 1000).toFixed(1)} s ÷ create → Running ${(load.load.endToEndMs / 1000).toFixed(1)} s`)
      : notMeasured('resyncRatio', '≤ 1.15', why('resync')),
  );
  const validate = m.main?.validate;
  f.push(
    validate
      ? figure('validateRowsPerSecond', validate.rowsPerSecond, 'reported', () => validate.differingKeys === 0,
          `${validate.rows} rows in ${(validate.ms / 1000).toFixed(1)} s, ${validate.differingKeys} keys differ; source CPU ${validate.cpu.mariadb ?? '?'} s, worker ${validate.cpu.worker ?? '?'} s`)
      : notMeasured('validateRowsPerSecond', 'reported', why('validate')),
  );
  f.push(
    validate && load
      ? figure('validateRatio', validate.ms / load.load.endToEndMs, '≤ 0.5', (v) => v <= 0.5,
          `validation ${(validate.ms / 1000).toFixed(1)} s ÷ create → Running ${(load.load.endToEndMs / 1000).toFixed(1)} s`)
      : notMeasured('validateRatio', '≤ 0.5', why('validate')),
  );
  const online = m.main?.onlineResync;
  f.push(
    online && load
      ? figure('onlineResyncRatio', online.ms / load.load.endToEndMs, '≤ 1.3', (v) => v <= 1.3,
          `online resync ${(online.ms / 1000).toFixed(1)} s under a writer of ${Math.round(online.changesPerSecond)} changes/s ÷ create → Running ${(load.load.endToEndMs / 1000).toFixed(1)} s`)
      : notMeasured('onlineResyncRatio', '≤ 1.3', why('online-resync')),
  );
  const resyncLagLimit = CDC_SETTINGS.syncIntervalSeconds + 5;
  f.push(
    online
      ? figure('resyncCdcLagSeconds', Math.max(online.maxLagSeconds.main, online.maxLagSeconds.side), `≤ ${resyncLagLimit} s`, (v) => v <= resyncLagLimit,
          `max during the online resync; main table ${online.maxLagSeconds.main.toFixed(2)} s, side table ${online.maxLagSeconds.side.toFixed(2)} s; ${cdcSettings}`)
      : notMeasured('resyncCdcLagSeconds', `≤ ${resyncLagLimit} s`, why('online-resync')),
  );
  f.push(
    burst
      ? figure('cdcChangesPerSecond', burst.changesPerSecond, '≥ 100,000', (v) => v >= 100_000,
          `${burst.changes} changes in ${(burst.ms / 1000).toFixed(1)} s; ${cdcSettings}`)
      : notMeasured('cdcChangesPerSecond', '≥ 100,000', why('cdc-burst')),
  );
  f.push(
    burst
      ? figure('cdcCatchUpChangesPerSecond', burst.catchUp.changesPerSecond, 'reported', () => true,
          `${burst.catchUp.changes} changes written while paused, applied in ${(burst.catchUp.ms / 1000).toFixed(1)} s from the resume; the live burst's source took ${(burst.writeMs / 1000).toFixed(1)} s to write them beside the pipe, ${(burst.catchUp.writeMs / 1000).toFixed(1)} s alone`)
      : notMeasured('cdcCatchUpChangesPerSecond', 'reported', why('cdc-burst')),
  );
  f.push(
    lag
      ? figure('cdcLagSeconds', lag.maxSeconds, `< ${lagLimit} s`, (v) => v < lagLimit,
          `max; p50 ${lag.p50Seconds.toFixed(2)} s at ${Math.round(lag.changesPerSecond)} changes/s; ${cdcSettings}`)
      : notMeasured('cdcLagSeconds', `< ${lagLimit} s`, why('cdc-lag')),
  );
  f.push(
    crash
      ? figure('crashWaste', crash.waste, `≤ ${crash.bound.toFixed(3)}`, (v) => v <= crash.bound,
          'rows read ÷ table rows; bound 1 + threads × rowsPerPartition ÷ rows')
      : notMeasured('crashWaste', '≤ 1 + threads × rowsPerPartition ÷ rows', why('crash')),
  );

  const rssTarget = `< ${RSS_LIMIT_MB} MB, flat (×≤${FLAT_RSS_GROWTH})`;
  const bySize = mem ? Object.values(mem.peakRssBySize) : [];
  const flat = !mem || mem.growth <= FLAT_RSS_GROWTH;
  const sizesNote = mem
    ? `by size: ${Object.entries(mem.peakRssBySize).map(([s, v]) => `${Number(s).toLocaleString('en-US')} rows ${v} MB`).join(', ')}; ×${mem.growth.toFixed(2)}`
    : 'sizes not compared (memory skipped)';
  // The main load's peak when there is one, else the largest of the sizes.
  const peak = load ? load.peakRssMb : bySize.length > 0 ? Math.max(...bySize) : null;
  f.push(
    peak !== null
      ? figure('peakRssMb', peak, rssTarget, (v) => v < RSS_LIMIT_MB && bySize.every((b) => b < RSS_LIMIT_MB) && flat, sizesNote)
      : notMeasured('peakRssMb', rssTarget, why('memory')),
  );

  // The pipeline's own memory: the load's peak above the idle worker (engine library and caches).
  f.push(
    load
      ? figure('pipelineRssMb', load.peakRssMb - load.rssBeforeMb, `≤ ${PIPELINE_RSS_LIMIT_MB} MB`, (v) => v <= PIPELINE_RSS_LIMIT_MB,
          `peak ${Math.round(load.peakRssMb)} MB − idle ${Math.round(load.rssBeforeMb)} MB during the streaming load; ` +
            `anonymous memory alone ${Math.round(load.peakAnonRssMb - load.anonBeforeMb)} MB (the rest is file pages: the engine's library)`)
      : notMeasured('pipelineRssMb', `≤ ${PIPELINE_RSS_LIMIT_MB} MB`, why('initial-load')),
  );

  const many = m.many;
  f.push(
    many
      ? figure('manyTablesRatio', many.ratio, '≤ 2.0', (v) => v <= 2,
          `${many.tables} tables, ${many.rows} rows: create → Running ${(many.createToRunningMs / 1000).toFixed(1)} s ÷ native copies ${(many.nativeMs / 1000).toFixed(1)} s (the faster of ${(many.nativeBeforeMs / 1000).toFixed(1)} s before, ${(many.nativeAfterMs / 1000).toFixed(1)} s after); CDC over every table ${Math.round(many.cdc.changesPerSecond)} changes/s; resync ${(many.resyncMs / 1000).toFixed(1)} s`)
      : notMeasured('manyTablesRatio', '≤ 2.0', why('many-tables')),
  );
  f.push(
    many
      ? figure('maxHistoryEvents', many.maxHistoryEvents, '≤ 10,000', (v) => v <= 10_000, `largest of the pipe's and its resync's histories; ${Math.round(many.maxHistoryBytes / 1024)} KiB`)
      : notMeasured('maxHistoryEvents', '≤ 10,000', why('many-tables')),
  );

  // A cap the pipe cannot reach even unthrottled measures the load's speed, not the limiter.
  const unthrottled = Math.max(load?.rowsPerSecond ?? 0, ...Object.values(mem?.rowsPerSecondBySize ?? {}));
  const outOfReach =
    rate && unthrottled > 0 && unthrottled < rate.rate * 1.05
      ? `; the pipe loads only ${rps(unthrottled)} unthrottled here, so the cap is out of reach (a lower --rate tests the limiter)`
      : '';
  f.push(
    rate
      ? figure('rateLimitError', rate.error, '≤ 0.10', (v) => v <= 0.1,
          `cap ${rps(rate.rate)}, achieved ${rps(rate.achieved)} on ${rate.rows} rows${outOfReach}`)
      : notMeasured('rateLimitError', '≤ 0.10', why('rate-limit')),
  );
  return f;
}
