import { measureMemory, type MemoryResult } from './measure-memory.js';
import { measureNativeCopy, type NativeCopyResult } from './measure-native-copy.js';
import { copyAfter, measureLoadTries, measurePullLoad, type LoadTry } from './measure-pull-load.js';
import { measureRateLimit, type RateLimitResult } from './measure-rate-limit.js';
import { measureManyTables, type ManyTablesResult } from './measure-many-tables.js';
import { runMainPipe, type MainPipeResults } from './main-pipe.js';
import type { BenchContext } from './context.js';
import type { Section } from './options.js';
import { errorLine } from './output.js';
import { MAIN_TABLE, SIDE_ROWS, SIDE_TABLE, ensureSourceTable, type GeneratedTable } from './source-table.js';

/** Everything a run measured; a section skipped or failed has no entry (failures are in `errors`). */
export interface Measured {
  tables: GeneratedTable[];
  native?: NativeCopyResult;
  main?: MainPipeResults;
  /**
   * Every try of the pull and auto loads, each with the native copies right
   * before and after it (the machine is shared and its speed drifts within
   * minutes).
   */
  pullTries?: LoadTry[];
  autoTries?: LoadTry[];
  /** The native copy once more after the main pipe's sections. */
  nativeAfter?: NativeCopyResult;
  memory?: MemoryResult;
  rate?: RateLimitResult;
  many?: ManyTablesResult;
  errors: Partial<Record<Section, string>>;
}

const MAIN_SECTIONS: Section[] = ['initial-load', 'validate', 'resync', 'crash', 'online-resync', 'cdc-burst', 'cdc-lag'];

/**
 * Runs the sections that are not skipped, in an order that keeps each clean:
 * the engine's native copy and the pull load on the table as generated, then
 * the main pipe (load, resync, crash, CDC), then the memory and rate-limit
 * loads on tables of their own. A failed section is reported and the run goes on.
 */
export async function runSections(ctx: BenchContext): Promise<Measured> {
  const { opts, out } = ctx;
  const run = (s: Section) => !opts.skip.has(s);
  const m: Measured = { tables: [], errors: {} };
  const section = async <T>(name: Section, body: () => Promise<T>): Promise<T | undefined> => {
    if (!run(name)) return undefined;
    try {
      return await body();
    } catch (err) {
      m.errors[name] = errorLine(err);
      out.result(`${name}: FAILED: ${errorLine(err)}`);
      return undefined;
    }
  };

  const mainSections = new Set(MAIN_SECTIONS.filter(run));
  if (mainSections.size > 0 || run('pull-load') || run('auto-load')) {
    out.progress(`generating the source table of ${opts.rows.toLocaleString('en-US')} rows`);
    const main = await ensureSourceTable(ctx.stack.mysqlPort, opts.rows, (msg) => out.progress(msg), MAIN_TABLE);
    m.tables.push(main);
    out.result(`source table ${main.table}: ${main.rows.toLocaleString('en-US')} rows generated in ${(main.ms / 1000).toFixed(1)} s`);
    const nativeSection = (['initial-load', 'pull-load', 'auto-load'] as const).find(run);
    // The engine's own copy, under the first load section that runs (its failure is that section's).
    const nativeCopy = () => section(nativeSection!, () => measureNativeCopy(ctx, main.table));
    if (nativeSection) m.native = await nativeCopy();
    // Right after the native copy, on the table as generated (the main pipe's CDC sections change it).
    // Each mode's tries end with a native copy, which is the next mode's copy before.
    let lastNative = m.native;
    const loadTries = async (mode: 'pull' | 'auto', name: Section) => {
      if (!run(name)) return undefined;
      const tries = await measureLoadTries(ctx, mode, opts.loadTries, lastNative,
        (pipe) => section(name, () => measurePullLoad(ctx, main.table, mode, pipe)), nativeCopy);
      lastNative = copyAfter(tries) ?? lastNative;
      return tries;
    };
    m.pullTries = await loadTries('pull', 'pull-load');
    m.autoTries = await loadTries('auto', 'auto-load');
    if (mainSections.size > 0) {
      // The initial load is needed by every section on the main pipe.
      mainSections.add('initial-load');
      // A small second table in the main pipe: the online resync's lag is measured on both.
      const side = await ensureSourceTable(ctx.stack.mysqlPort, SIDE_ROWS, (msg) => out.progress(msg), SIDE_TABLE);
      m.tables.push(side);
      m.main = await runMainPipe(ctx, main.table, opts.rows, mainSections, side.table);
      Object.assign(m.errors, m.main.errors);
    }
    // Once more, now that the pipe's loads are done (the table has changed by CDC since: rows/s is what counts).
    if (m.native) m.nativeAfter = await nativeCopy();
  }
  m.memory = await section('memory', () => measureMemory(ctx, opts.memorySizes));
  if (m.memory) m.tables.push(...m.memory.tables);
  // Only tables as generated are reused (the main table has been changed by CDC).
  const unchanged = m.memory?.tables.map((t) => t.rows) ?? [];
  m.rate = await section('rate-limit', () => measureRateLimit(ctx, opts.rate, unchanged));
  if (m.rate) m.tables.push(m.rate.table);
  m.many = await section('many-tables', () => measureManyTables(ctx, opts.manyTables));
  return m;
}

