import { ChangeWriter } from './change-writer.js';
import { checkConsistency, type Consistency } from './consistency.js';
import { STREAM, type BenchContext, type SectionWorker } from './context.js';
import { measureCdcBurst, type CdcBurstResult } from './measure-cdc-burst.js';
import { measureCdcLag, type CdcLagResult } from './measure-cdc-lag.js';
import { measureCrashWaste, type CrashResult } from './measure-crash.js';
import { measureInitialLoad, type InitialLoadResult } from './measure-initial-load.js';
import { measureResync, type ResyncResult } from './measure-resync.js';
import { measureOnlineResync, type OnlineResyncResult } from './measure-online-resync.js';
import { measureValidate, type ValidateResult } from './measure-validate.js';
import { SIDE_ROWS } from './source-table.js';
import type { Section } from './options.js';
import { errorLine } from './output.js';

export interface MainPipeResults {
  initialLoad?: InitialLoadResult;
  validate?: ValidateResult;
  resync?: ResyncResult;
  onlineResync?: OnlineResyncResult;
  crash?: Omit<CrashResult, 'worker'>;
  cdcBurst?: CdcBurstResult;
  cdcLag?: CdcLagResult;
  consistency?: Consistency;
  /** Why a section has no result (its error, or an earlier section's). */
  errors: Partial<Record<Section, string>>;
}

const PIPE = 'main';

/**
 * The sections that share one pipe on the main table, in an order that keeps
 * each clean: the initial load, its validation, a resync and a crashed resync while the
 * table is as generated, then CDC (a burst, then a paced writer). Ends with
 * the pipe dropped, its worker stopped, and ClickHouse checked against the source.
 */
export async function runMainPipe(ctx: BenchContext, table: string, rows: number, sections: Set<Section>, side: string): Promise<MainPipeResults> {
  const results: MainPipeResults = { errors: {} };
  let sw: SectionWorker = await ctx.startWorker('main');
  let failed: string | null = null;
  const attempt = async <T>(section: Section, body: () => Promise<T>): Promise<T | undefined> => {
    if (!sections.has(section)) return undefined;
    if (failed) {
      results.errors[section] = `not run: ${failed} failed`;
      return undefined;
    }
    try {
      return await body();
    } catch (err) {
      failed = section;
      results.errors[section] = errorLine(err);
      ctx.out.result(`${section}: FAILED: ${errorLine(err)}`);
      const tail = sw.worker.logTail(1_500).trim();
      if (tail) ctx.out.progress(`worker log (${sw.worker.logFile}), last lines:\n${tail}`);
      return undefined;
    }
  };
  let writer: ChangeWriter | null = null;
  let sideWriter: ChangeWriter | null = null;
  try {
    results.initialLoad = await attempt('initial-load', () =>
      measureInitialLoad(ctx, sw, PIPE, table, { cdc: true, more: [side], extra: STREAM, label: 'initial load' }),
    );
    if (!results.initialLoad) return results;
    const { settings } = results.initialLoad;
    results.validate = await attempt('validate', () => measureValidate(ctx, sw, PIPE));
    results.resync = await attempt('resync', () => measureResync(ctx, sw, PIPE, 'offline'));
    const crash = await attempt('crash', () => measureCrashWaste(ctx, sw, PIPE, rows, settings));
    if (crash) {
      const { worker, ...rest } = crash;
      sw = worker;
      results.crash = rest;
    }
    writer = await ChangeWriter.open(ctx.stack.mysqlPort, table, rows);
    const w = writer;
    sideWriter = await ChangeWriter.open(ctx.stack.mysqlPort, side, SIDE_ROWS);
    const s = sideWriter;
    results.onlineResync = await attempt('online-resync', () => measureOnlineResync(ctx, sw, PIPE, { main: w, side: s }, ctx.opts.lagRate));
    results.cdcBurst = await attempt('cdc-burst', () => measureCdcBurst(ctx, sw, PIPE, w, ctx.opts.cdcChanges));
    results.cdcLag = await attempt('cdc-lag', () => measureCdcLag(ctx, sw, PIPE, w, ctx.opts.lagRate, ctx.opts.lagSeconds));
    if (!failed) {
      await sw.client.drop(PIPE);
      await sw.worker.stop();
      results.consistency = await checkConsistency(ctx, sw.chdbPath, 'bench', table);
      const c = results.consistency;
      ctx.out.result(
        `consistency: source ${c.source.rows} rows, ClickHouse FINAL ${c.destination.rows} rows; sums of id and amount ` +
          `${c.same ? 'equal' : `DIFFER (source ${c.source.idSum} / ${c.source.amountSum}, ClickHouse ${c.destination.idSum} / ${c.destination.amountSum})`}`,
      );
    }
    return results;
  } finally {
    await writer?.close();
    await sideWriter?.close();
    await sw.worker.stop();
  }
}
