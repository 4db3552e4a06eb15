import { Command, CommanderError, Option } from 'commander';
import { readPipeConfigFile } from '../pipe/config-file.js';
import { PipeConfigError } from '../pipe/errors.js';
import { PIPE_STATUSES, type PipeStatus } from '../pipe/status.js';
import { PipeClientError } from '../control/pipe-client.js';
import { formatStatus, statusSummary } from './status-format.js';
import { LoadProgress } from './load-progress.js';
import { orderBy, pipeStatus, seconds, withClient } from './options.js';
import { addResyncCommand } from './resync-command.js';
import { addValidationCommands } from './validate-command.js';
import { addConsoleCommand } from './console-command.js';

/**
 * pipectl: create, inspect and steer pipes. Exit codes: 0 done; 1 a wait
 * ended without the status (timeout, or the pipe failed); 2 bad input, a
 * missing pipe, or no Temporal server.
 */

export function buildCli(): Command {
  const program = new Command('pipectl')
    .description('Durable MySQL/MariaDB → ClickHouse pipes on Temporal')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('create')
    .description('create a pipe from a JSON or YAML file and wait for its setup')
    .requiredOption('-f, --file <path>', 'pipe configuration file')
    .addOption(new Option('--timeout <seconds>', 'how long to wait for setup').default(60).argParser(seconds))
    .option('--force', 'load even if the source keeps its binlog shorter than the initial load looks to take')
    .action(async (opts: { file: string; timeout: number; force?: boolean }) => {
      const config = readPipeConfigFile(opts.file);
      await withClient(async (client) => {
        await client.create(config, { force: opts.force });
        const until = Date.now() + opts.timeout * 1000;
        let view = await client.status(config.name);
        while (view.status === 'Setup' && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 500));
          view = await client.status(config.name);
        }
        if (view.status === 'Failed') {
          console.error(`pipe ${config.name} failed during setup: ${view.lastError}`);
          process.exitCode = 1;
          return;
        }
        console.log(`pipe ${config.name} created: ${view.status}`);
      });
    });

  program
    .command('list')
    .description('list running pipes with their status')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const names = await client.list();
        const views = await Promise.all(names.map((n) => client.status(n).catch(() => null)));
        if (opts.json) {
          console.log(JSON.stringify(views.filter(Boolean), null, 2));
          return;
        }
        if (names.length === 0) {
          console.log('no pipes');
          return;
        }
        for (const [i, name] of names.entries()) {
          const v = views[i];
          console.log(`${name.padEnd(30)} ${(v ? statusSummary(v) : '?').padEnd(10)} ${v?.lastError ?? ''}`.trimEnd());
        }
      });
    });

  program
    .command('status')
    .description("show a pipe's status and per-table statistics")
    .argument('<name>')
    .option('--json', 'print JSON, for scripts')
    .action(async (name: string, opts: { json?: boolean }) => {
      await withClient(async (client) => {
        const view = await client.status(name);
        console.log(opts.json ? JSON.stringify(view, null, 2) : formatStatus(view));
      });
    });

  for (const [cmd, description] of [
    ['pause', 'pause a pipe at the next safe point'],
    ['resume', 'resume a paused pipe, or retry a failed one'],
  ] as const) {
    program
      .command(cmd)
      .description(description)
      .argument('<name>')
      .action(async (name: string) => {
        await withClient((client) => (cmd === 'pause' ? client.pause(name) : client.resume(name)));
        console.log(`${cmd} sent to pipe ${name}`);
      });
  }

  program
    .command('drop')
    .description('end a pipe (its ClickHouse tables stay)')
    .argument('<name>')
    .action(async (name: string) => {
      await withClient((client) => client.drop(name));
      console.log(`pipe ${name} dropped`);
    });

  program
    .command('add-tables')
    .description('add tables to a running pipe: checked now, loaded between two CDC batches, then followed')
    .argument('<name>')
    .argument('<tables...>')
    .option('--order-by <TABLE=cols>', 'ORDER BY for an added table (repeatable)', orderBy)
    .option('--force', 'load even if the source keeps its binlog shorter than their load looks to take')
    .action(async (name: string, tables: string[], opts: { orderBy?: Record<string, string[]>; force?: boolean }) => {
      await withClient((client) =>
        client.addTables(
          name,
          tables.map((t) => (opts.orderBy?.[t] ? { name: t, orderBy: opts.orderBy[t] } : t)),
          { force: opts.force },
        ),
      );
      console.log(`pipe ${name}: ${tables.join(', ')} added; the pipe loads them now (pipectl status ${name})`);
    });

  addResyncCommand(program);
  addValidationCommands(program);
  addConsoleCommand(program);

  program
    .command('wait')
    .description('wait until a pipe shows a status (exit 0), or time runs out or the pipe fails (exit 1)')
    .argument('<name>')
    .requiredOption('--status <status>', `one of ${PIPE_STATUSES.join(', ')}`, pipeStatus)
    .addOption(new Option('--timeout <seconds>', 'how long to wait').default(300).argParser(seconds))
    .action(async (name: string, opts: { status: PipeStatus; timeout: number }) => {
      await withClient(async (client) => {
        const progress = new LoadProgress();
        const { reached, view } = await client
          .waitFor(name, opts.status, opts.timeout * 1000, (v) => progress.update(v))
          .finally(() => progress.stop());
        if (reached) {
          console.log(`pipe ${name} is ${view.status}`);
          return;
        }
        console.error(
          view.status === 'Failed'
            ? `pipe ${name} failed: ${view.lastError}`
            : `pipe ${name} is still ${view.status} after ${opts.timeout} s`,
        );
        process.exitCode = 1;
      });
    });

  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  const program = buildCli();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed the problem (or the help) already.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof PipeConfigError) {
      for (const p of err.problems) console.error(`pipectl: ${p}`);
      return 2;
    }
    const msg = err instanceof PipeClientError || err instanceof Error ? err.message : String(err);
    console.error(`pipectl: ${msg.split('\n')[0]}`);
    return 2;
  }
}

