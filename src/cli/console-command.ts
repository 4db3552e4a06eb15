import { Option, type Command } from 'commander';
import { startConsole } from '../console/console-server.js';
import { consoleFromEnv } from '../runtime/environment.js';
import { positiveInt, withClient } from './options.js';

/** `pipectl console`: the web console, until Ctrl-C. */
export function addConsoleCommand(program: Command): void {
  const defaults = consoleFromEnv();
  program
    .command('console')
    .description('serve the web console (Data Sources, Metrics, Tables, Settings) until Ctrl-C')
    .addOption(new Option('--port <port>', 'port to listen on').default(defaults.port).argParser(positiveInt))
    .option('--host <host>', 'address to listen on (beyond 127.0.0.1 needs PIPES_CONSOLE_TOKEN)', '127.0.0.1')
    .action(async (opts: { port: number; host: string }) => {
      await withClient(async (client) => {
        const running = await startConsole({ client, host: opts.host, port: opts.port, token: defaults.token });
        console.log(`console: ${running.url}${defaults.token ? ' (sign in with PIPES_CONSOLE_TOKEN)' : ''}`);
        await new Promise<void>((resolve) => {
          for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
        });
        await running.close();
      });
    });
}
