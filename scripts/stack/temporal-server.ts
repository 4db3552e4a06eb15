import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { ensureTemporalCli } from './temporal-cli.js';
import { PIPE_SEARCH_ATTRIBUTES } from '../../src/pipe/search-attributes.js';
import { portOpen, startDetached, stopPid, stopStale, waitForPort, type Service } from './processes.js';

export interface TemporalServerOptions {
  port: number;
  /** Web UI port; none when headless. */
  uiPort?: number;
  /** SQLite file that keeps state across restarts; in memory when absent. */
  dbFile?: string;
  logDir: string;
  /** Names the server's pid file; a server left by a killed run under the same name is stopped first. */
  instance?: string;
  /** Dynamic config values, `key=value` (e.g. limit.historyCount.suggestContinueAsNew=100, for tests). */
  dynamicConfig?: string[];
}

/** A Temporal dev server (the real server, one process), reused if already up. */
export async function startTemporalServer(opts: TemporalServerOptions): Promise<Service> {
  const name = `Temporal on 127.0.0.1:${opts.port}`;
  if (await portOpen(opts.port)) return { name, stop: async () => undefined };
  const exe = ensureTemporalCli();
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--log-level', 'error'];
  // The pipes' search attributes (src/pipe/search-attributes.ts).
  for (const a of PIPE_SEARCH_ATTRIBUTES) args.push('--search-attribute', `${a.name}=Keyword`);
  for (const value of opts.dynamicConfig ?? []) args.push('--dynamic-config-value', value);
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  else args.push('--headless');
  if (opts.dbFile) {
    mkdirSync(dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  mkdirSync(opts.logDir, { recursive: true });
  const instance = opts.instance ?? String(opts.port);
  const pidFile = join(opts.logDir, `temporal-${instance}.pid`);
  await stopStale(pidFile, 'start-dev');
  const log = join(opts.logDir, `temporal-${instance}.log`);
  const pid = startDetached(exe, args, log, pidFile);
  await waitForPort(opts.port, 'the Temporal server', 60_000, log);
  await waitForNamespace(`127.0.0.1:${opts.port}`, 'default');
  return { name, stop: () => stopPid(pid) };
}

/** The port opens before the namespace answers; wait for the latter. */
async function waitForNamespace(address: string, namespace: string): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      const conn = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await conn.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await conn.close();
      }
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
