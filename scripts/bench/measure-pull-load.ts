import { rmSync } from 'node:fs';
import type { BenchContext } from './context.js';
import { measureInitialLoad, type InitialLoadResult } from './measure-initial-load.js';
import { fasterCopy, type NativeCopyResult } from './measure-native-copy.js';

export type PullLoadResult = { available: true; load: InitialLoadResult } | { available: false; note: string };

/** One load of a mode with the native copies right before and right after it. */
export interface LoadTry {
  result: PullLoadResult;
  nativeBefore?: NativeCopyResult;
  nativeAfter?: NativeCopyResult;
}

/** A try's rows/s ÷ the faster of the copies around it (null when the load or both copies are missing). */
export function tryRatio(t: LoadTry): number | null {
  const native = fasterCopy(t.nativeBefore, t.nativeAfter);
  return t.result.available && native ? t.result.load.rowsPerSecond / native.rowsPerSecond : null;
}

/** The native copy after a mode's last try. */
export function copyAfter(tries: LoadTry[] | undefined): NativeCopyResult | undefined {
  return tries?.at(-1)?.nativeAfter;
}

/** The try with the highest ratio (the first when none has one). */
export function bestTry(tries: LoadTry[] | undefined): LoadTry | undefined {
  return tries?.reduce<LoadTry | undefined>((best, t) => (best === undefined || (tryRatio(t) ?? -1) > (tryRatio(best) ?? -1) ? t : best), undefined);
}

/**
 * The initial load with `loadMode: 'pull'` (ClickHouse reads each chunk from
 * the source itself through mysql()), or `'auto'` (the default: pull where
 * it can, stream the rest), on a fresh worker and engine.
 */
export async function measurePullLoad(ctx: BenchContext, table: string, mode: 'pull' | 'auto', pipe: string = mode): Promise<PullLoadResult> {
  const sw = await ctx.startWorker(pipe);
  try {
    return { available: true, load: await measureInitialLoad(ctx, sw, pipe, table, { cdc: false, extra: { loadMode: mode }, label: `${pipe} load` }) };
  } finally {
    await sw.worker.stop();
    rmSync(sw.chdbPath, { recursive: true, force: true });
  }
}

/**
 * `tries` loads of a mode, each followed by a native copy, so that every
 * load is compared with the copies of its own minute (the shared machine's
 * speed moves by a third within one). Each try is divided by the faster of
 * the two copies around it, and the best try counts: both sides get a best
 * of several. A load that fails ends the tries (`load` reports it).
 */
export async function measureLoadTries(
  ctx: BenchContext,
  mode: 'pull' | 'auto',
  tries: number,
  nativeBefore: NativeCopyResult | undefined,
  load: (pipe: string) => Promise<PullLoadResult | undefined>,
  nativeCopy: () => Promise<NativeCopyResult | undefined>,
): Promise<LoadTry[]> {
  const out: LoadTry[] = [];
  let before = nativeBefore;
  for (let i = 1; i <= tries; i++) {
    const result = await load(tries === 1 ? mode : `${mode}-${i}`);
    if (!result) break;
    const after = before ? await nativeCopy() : undefined;
    const t: LoadTry = { result, nativeBefore: before, nativeAfter: after };
    out.push(t);
    const ratio = tryRatio(t);
    if (ratio !== null) ctx.out.result(`${mode} load, try ${i} of ${tries}: ${ratio.toFixed(2)} of the faster native copy around it`);
    if (!result.available) break;
    before = after ?? before;
  }
  return out;
}
