import type { BenchContext, SectionWorker } from './context.js';
import { count, perSecond, seconds } from './output.js';
import { formatCpu, type CpuUse } from './process-cpu.js';

export interface ValidateResult {
  rows: number;
  ms: number;
  rowsPerSecond: number;
  /** Keys found different (0 on a healthy copy). */
  differingKeys: number;
  /** Source CPU seconds the validation cost (MariaDB's process), with the others'. */
  cpu: CpuUse;
}

/** `pipectl validate` of the loaded pipe, timed, with the CPU it costs the source. */
export async function measureValidate(ctx: BenchContext, sw: SectionWorker, pipe: string): Promise<ValidateResult> {
  ctx.out.progress(`validation of pipe ${pipe}`);
  const cpu = ctx.cpu(sw.worker);
  const started = Date.now();
  const result = await sw.client.validations.validate(pipe);
  const ms = Date.now() - started;
  const cpuUse = cpu();
  const tables = Object.values(result.tables);
  const rows = tables.reduce((n, t) => n + t.rowsCompared, 0);
  const differingKeys = tables.reduce((n, t) => n + t.differingKeys, 0);
  const out: ValidateResult = { rows, ms, rowsPerSecond: (rows * 1000) / ms, differingKeys, cpu: cpuUse };
  ctx.out.result(
    `validation: ${count(rows)} rows compared in ${seconds(ms)} (${perSecond(out.rowsPerSecond)}), ${differingKeys} keys differ; CPU ${formatCpu(cpuUse)}`,
  );
  return out;
}
