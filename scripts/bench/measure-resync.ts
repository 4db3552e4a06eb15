import type { BenchContext, SectionWorker } from './context.js';
import { count, perSecond, seconds } from './output.js';
import { formatCpu, type CpuUse } from './process-cpu.js';
import { loadTiming, statusTime, type LoadTiming } from './pipe-load.js';

export interface ResyncResult {
  /** From the resync request until the pipe was Running again. */
  ms: number;
  load: LoadTiming;
  /** How the time splits: drain and Setup, Snapshot, carry-over and swap, restart. */
  phases: { setupMs: number; snapshotMs: number; swapMs: number };
  peakRssMb: number;
  cpu: CpuUse;
}

/** A full resync of a loaded, running pipe, timed from the request to Running. */
export async function measureResync(ctx: BenchContext, sw: SectionWorker, pipe: string, mode: 'online' | 'offline'): Promise<ResyncResult> {
  ctx.out.progress(`${mode} resync of pipe ${pipe}`);
  sw.worker.rss.startWindow();
  const cpu = ctx.cpu(sw.worker);
  const requestedAt = Date.now();
  await sw.client.resync(pipe, { mode });
  await sw.client.waitForResync(pipe, 30 * 60_000);
  const cpuUse = cpu();
  const view = await sw.client.status(pipe);
  const load = loadTiming(view, requestedAt, 'Running');
  const snapshotAt = statusTime(view, 'Snapshot') ?? requestedAt;
  const resyncAt = statusTime(view, 'Resync') ?? snapshotAt;
  const result: ResyncResult = {
    ms: load.endToEndMs,
    load,
    phases: {
      setupMs: snapshotAt - requestedAt,
      snapshotMs: resyncAt - snapshotAt,
      swapMs: requestedAt + load.endToEndMs - resyncAt,
    },
    peakRssMb: sw.worker.rss.peakInWindow(),
    cpu: cpuUse,
  };
  ctx.out.result(
    `${mode} resync: ${count(load.rows)} rows, request → Running ${seconds(result.ms)} ` +
      `(Setup ${seconds(result.phases.setupMs)}, Snapshot ${seconds(result.phases.snapshotMs)}, swap ${seconds(result.phases.swapMs)}); ` +
      `load phase ${perSecond((load.rows * 1000) / load.loadMs)}; worker RSS peak ${Math.round(result.peakRssMb)} MB; CPU ${formatCpu(cpuUse)}`,
  );
  return result;
}
