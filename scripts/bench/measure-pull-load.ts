import { rmSync } from 'node:fs';
import { PipeConfigError } from '../../src/pipe/errors.js';
import type { BenchContext } from './context.js';
import { measureInitialLoad, type InitialLoadResult } from './measure-initial-load.js';

export type PullLoadResult = { available: true; load: InitialLoadResult } | { available: false; note: string };

const PULL = { loadMode: 'pull' } as const;

/** Whether this build's configuration schema knows `settings.loadMode: 'pull'`. */
export function pullModeAvailable(ctx: BenchContext, table: string): boolean {
  try {
    ctx.pipeConfig('pull-check', table, { cdc: false, extra: PULL });
    return true;
  } catch (err) {
    if (err instanceof PipeConfigError) return false;
    throw err;
  }
}

/**
 * The initial load with `loadMode: 'pull'` (ClickHouse reads each chunk from
 * the source itself through mysql()), on a fresh worker and engine.
 */
export async function measurePullLoad(ctx: BenchContext, table: string): Promise<PullLoadResult> {
  if (!pullModeAvailable(ctx, table)) {
    ctx.out.result('pull load: pull mode not available (the configuration schema refuses settings.loadMode)');
    return { available: false, note: 'pull mode not available' };
  }
  const sw = await ctx.startWorker('pull');
  try {
    return { available: true, load: await measureInitialLoad(ctx, sw, 'pull', table, { cdc: false, extra: PULL, label: 'pull load' }) };
  } finally {
    await sw.worker.stop();
    rmSync(sw.chdbPath, { recursive: true, force: true });
  }
}
