import { Option, type Command } from 'commander';
import { PipeClientError } from '../control/pipe-client.js';
import { LoadProgress } from './load-progress.js';
import { confirm, list, orderBy, positiveInt, seconds, withClient } from './options.js';

interface ResyncFlags {
  yes?: boolean;
  tables?: string[];
  offline?: boolean;
  force?: boolean;
  orderBy?: Record<string, string[]>;
  maxRowsPerSecond?: number;
  wait: boolean;
  timeout: number;
}

/** What a resync will do, as the confirmation question says it. */
function question(name: string, flags: ResyncFlags): string {
  if (flags.tables) return `Resync tables ${flags.tables.join(', ')} of pipe ${name}? This reloads them from the source while CDC goes on`;
  if (flags.offline) return `Resync pipe ${name} offline? This stops CDC for every table until every table is reloaded from the source`;
  return `Resync pipe ${name}? This reloads every table from the source`;
}

/** `pipectl resync`: asks first (on a terminal), starts the resync and follows it with a progress bar. */
export function addResyncCommand(program: Command): void {
  program
    .command('resync')
    .description('reload tables from the source into new tables and swap them in, while CDC goes on (asks first)')
    .argument('<name>')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--tables <a,b>', 'only these tables (the others keep running untouched)', list)
    .option('--offline', 'stop CDC for every table until the swap (the resync of earlier versions)')
    .option('--force', 'an offline resync even if the source keeps its binlog shorter than the load looks to take')
    .option('--order-by <TABLE=cols>', 'new ORDER BY for a table, e.g. orders=customer_id,id (repeatable)', orderBy)
    .option('--max-rows-per-second <n>', 'cap on rows read from the source per second', positiveInt)
    .option('--no-wait', 'return once the resync has started')
    .addOption(new Option('--timeout <seconds>', 'how long to wait for the pipe to be Running again').default(3600).argParser(seconds))
    .action(async (name: string, flags: ResyncFlags) => {
      if (!flags.yes) {
        if (!process.stdin.isTTY) {
          throw new PipeClientError('resync asks for confirmation: pass --yes when there is no terminal');
        }
        if (!(await confirm(question(name, flags)))) {
          console.error('resync cancelled');
          process.exitCode = 1;
          return;
        }
      }
      await withClient(async (client) => {
        await client.resync(name, {
          tables: flags.tables,
          mode: flags.offline ? 'offline' : 'online',
          force: flags.force,
          orderBy: flags.orderBy,
          maxRowsPerSecond: flags.maxRowsPerSecond,
        });
        if (!flags.wait) {
          console.log(`resync of pipe ${name} started (pipectl status ${name} follows it)`);
          return;
        }
        const progress = new LoadProgress();
        const result = await client
          .waitForResync(name, flags.timeout * 1000, (v) => progress.update(v), flags.tables)
          .finally(() => progress.stop());
        for (const [table, r] of Object.entries(result.tables)) {
          console.log(`${table}: ${r.rows} rows loaded, ${r.softDeletesCarried} soft-deleted rows carried, ${r.swap}`);
        }
        console.log(`pipe ${name} resynced: ${result.status}`);
      });
    });
}
