import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { secretEnvName } from '../../src/runtime/environment.js';
import { PROJECT_ROOT } from '../stack/paths.js';
import type { Cleanup } from './cleanup.js';
import { RssSampler } from './rss-sampler.js';

export interface WorkerProcessOptions {
  temporalAddress: string;
  taskQueue: string;
  /** The embedded ClickHouse engine's data directory (the worker owns it while it runs). */
  chdbPath: string;
  /** The secret the pipes name, and its value: handed over in the worker's environment only. */
  secret: { name: string; value: string };
  logFile: string;
}

/**
 * The real worker program (dist/src/worker.js) in a child process of its
 * own, so its memory can be read from /proc and it can be SIGKILLed. Its
 * output goes to a log file, never to the benchmark's stdout.
 */
export class WorkerProcess {
  readonly rss: RssSampler;
  private readonly exited: Promise<void>;
  private readonly unregister: () => Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly logFile: string,
    cleanup: Cleanup,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    this.rss = new RssSampler(child.pid!);
    this.unregister = cleanup.add(`worker ${child.pid}`, () => this.terminate());
  }

  static start(opts: WorkerProcessOptions, cleanup: Cleanup): WorkerProcess {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    mkdirSync(opts.chdbPath, { recursive: true });
    const log = openSync(opts.logFile, 'a');
    // BENCH_WORKER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=prof": node flags for the worker, to see where its time goes.
    const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, join(PROJECT_ROOT, 'dist/src/worker.js')], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: opts.temporalAddress,
        TEMPORAL_NAMESPACE: 'default',
        PIPES_TASK_QUEUE: opts.taskQueue,
        PIPES_CHDB_PATH: opts.chdbPath,
        PIPES_LOG_LEVEL: process.env.PIPES_LOG_LEVEL ?? 'WARN',
        CLICKHOUSE_URL: '',
        [secretEnvName(opts.secret.name)]: opts.secret.value,
      },
    });
    closeSync(log);
    if (!child.pid) throw new Error('could not start the worker program');
    return new WorkerProcess(child, opts.logFile, cleanup);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Waits until the worker polls its task queue: it logs its start line
   * once its workflow bundle is built (several seconds, which must not count
   * as a pipe's time).
   */
  async ready(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.logTail(100_000).includes('pipes worker: task queue')) {
      if (!this.alive) throw new Error(`the worker program exited at start:\n${this.logTail()}`);
      if (Date.now() > deadline) throw new Error(`the worker program did not start within ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGKILL, as a crash: nothing is flushed, no activity is told. */
  async kill(): Promise<void> {
    this.rss.stop();
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
    await this.unregister();
  }

  /** A graceful stop (SIGTERM), SIGKILL after 30 s. */
  async stop(): Promise<void> {
    await this.terminate();
    await this.unregister();
  }

  private async terminate(): Promise<void> {
    this.rss.stop();
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** The end of the worker's log, for an error report. */
  logTail(chars = 2_000): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').slice(-chars) : '';
  }
}
