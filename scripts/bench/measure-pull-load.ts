import { rmSync } from 'node:fs';
import type { BenchContext } from './context.js';
import { measureInitialLoad, type InitialLoadResult } from './measure-initial-load.js';

export type PullLoadResult = { available: true; load: InitialLoadResult } | { available: false; note: string };

/**
 * The initial load with `loadMode: 'pull'` (ClickHouse reads each chunk from
 * the source itself through mysql()), or `'auto'` (the default: pull where
 * it can, stream the rest), on a fresh worker and engine.
 */
export async function measurePullLoad(ctx: BenchContext, table: string, mode: 'pull' | 'auto' = 'pull'): Promise<PullLoadResult> {
  const sw = await ctx.startWorker(mode);
  try {
    return { available: true, load: await measureInitialLoad(ctx, sw, mode, table, { cdc: false, extra: { loadMode: mode }, label: `${mode} load` }) };
  } finally {
    await sw.worker.stop();
    rmSync(sw.chdbPath, { recursive: true, force: true });
  }
}
