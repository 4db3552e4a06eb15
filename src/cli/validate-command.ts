import cliProgress from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import type { ValidationProgress } from '../contract/messages.js';
import type { TableValidation } from '../pipe/validation.js';
import { list, positiveInt, withClient } from './options.js';
import { formatValidation } from './validation-format.js';

/** --every 24h: a Temporal duration (s, m, h, d), or off. */
function every(value: string): string {
  if (value === 'off' || /^\d+[smhd]$/.test(value)) return value;
  throw new InvalidArgumentError('must look like 30m, 24h or 7d, or be off');
}

/** Parts compared so far, as a bar on a terminal (nothing otherwise: the result says it all). */
function progressBar(): { update: (p: ValidationProgress) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: '{bar} {value}/{total} parts | {rows} rows compared | {keys} keys differ', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (p) => {
      if (p.partsTotal === 0) return;
      if (!started) bar.start(p.partsTotal, 0, { rows: 0, keys: 0 });
      started = true;
      bar.setTotal(p.partsTotal);
      bar.update(p.partsDone, { rows: p.rowsCompared, keys: p.differingKeys });
    },
    stop: () => started && bar.stop(),
  };
}

/** Exit code 1 when a table differs, as diff(1) does. */
function printResults(tables: Record<string, TableValidation>, json: boolean | undefined, result: unknown): void {
  console.log(json ? JSON.stringify(result, null, 2) : Object.entries(tables).map(([t, v]) => formatValidation(t, v)).join('\n'));
  if (Object.values(tables).some((v) => v.differingKeys > 0)) process.exitCode = 1;
}

/** `pipectl validate` and `pipectl repair`. */
export function addValidationCommands(program: Command): void {
  program
    .command('validate')
    .description('compare the destination with the source (row counts and checksums per key range) and list the keys that differ; exit 1 when some do')
    .argument('<name>')
    .option('--tables <a,b>', 'only these tables', list)
    .option('--max-rows-per-second <n>', 'cap on rows compared per second at the source', positiveInt)
    .option('--every <duration>', 'validate on a schedule instead (a Temporal Schedule: 30m, 24h, 7d), or off to stop it', every)
    .option('--json', 'print JSON, for scripts')
    .action(async (name: string, opts: { tables?: string[]; maxRowsPerSecond?: number; every?: string; json?: boolean }) => {
      const options = { tables: opts.tables, maxRowsPerSecond: opts.maxRowsPerSecond };
      await withClient(async (client) => {
        if (opts.every === 'off') {
          await client.validations.unschedule(name);
          console.log(`pipe ${name} is no longer validated on a schedule`);
          return;
        }
        if (opts.every) {
          const id = await client.validations.schedule(name, opts.every, options);
          console.log(`pipe ${name} is validated every ${opts.every} (Temporal schedule ${id})`);
          return;
        }
        const bar = progressBar();
        const result = await client.validations.validate(name, options, bar.update).finally(bar.stop);
        printResults(result.tables, opts.json, result);
      });
    });

  program
    .command('repair')
    .description('write again from the source the keys the last validation found different, then validate them again; exit 1 when some still differ')
    .argument('<name>')
    .option('--tables <a,b>', 'only these tables', list)
    .option('--json', 'print JSON, for scripts')
    .action(async (name: string, opts: { tables?: string[]; json?: boolean }) => {
      await withClient(async (client) => {
        const bar = progressBar();
        const result = await client.validations.repair(name, { tables: opts.tables }, bar.update).finally(bar.stop);
        if (Object.keys(result.tables).length === 0 && !opts.json) {
          console.log(`pipe ${name}: nothing to repair (the last validation found no difference; run pipectl validate ${name} first)`);
          return;
        }
        const tables = Object.fromEntries(Object.entries(result.tables).map(([t, r]) => [t, r.validation]));
        printResults(tables, opts.json, result);
      });
    });
}
