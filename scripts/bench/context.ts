import { setTimeout as sleep } from 'node:timers/promises';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parsePipeConfig, type PipeConfig } from '../../src/pipe/config.js';
import { PipeClient } from '../../src/control/pipe-client.js';
import type { BenchStack } from './bench-stack.js';
import { BENCH_SECRET } from './bench-stack.js';
import type { Cleanup } from './cleanup.js';
import type { BenchOptions } from './options.js';
import type { BenchOutput } from './output.js';
import { cpuMeter } from './process-cpu.js';
import { BENCH_DB } from './source-table.js';
import { WorkerProcess } from './worker-process.js';

/** CDC settings of the benchmark's pipes (printed with the CDC figures). */
export const CDC_SETTINGS = { syncIntervalSeconds: 1, pullBatchSize: 100_000 } as const;

/**
 * The streaming load (the worker reads and writes every row): what
 * initialLoadRatio, memory and the rate limit measure. The resyncs of the
 * pipe that has it are timed without the check before the swap, which
 * validateRatio measures on its own.
 */
export const STREAM = { loadMode: 'stream', validateBeforeSwap: false } as const;

/** A worker of one section: its own task queue and engine directory, and a client for that queue. */
export interface SectionWorker {
  worker: WorkerProcess;
  client: PipeClient;
  taskQueue: string;
  chdbPath: string;
}

/** What every measurement works with. */
export class BenchContext {
  private workers = 0;

  constructor(
    readonly opts: BenchOptions,
    readonly out: BenchOutput,
    readonly cleanup: Cleanup,
    readonly stack: BenchStack,
  ) {}

  /**
   * Starts a worker program for a section on a fresh engine directory, with
   * a pipe client on its task queue; resolves once the worker polls.
   */
  async startWorker(section: string): Promise<SectionWorker> {
    const taskQueue = `bench-${section}`;
    const chdbPath = join(this.stack.workDir, `chdb-${section}`);
    rmSync(chdbPath, { recursive: true, force: true });
    const worker = WorkerProcess.start(
      {
        temporalAddress: this.stack.temporalAddress,
        taskQueue,
        chdbPath,
        secret: { name: BENCH_SECRET, value: this.stack.source.password },
        logFile: join(this.stack.logDir, `worker-${section}-${++this.workers}.log`),
      },
      this.cleanup,
    );
    const client = await PipeClient.connect({ address: this.stack.temporalAddress, namespace: 'default', taskQueue });
    this.cleanup.add(`pipe client of ${section}`, () => client.close());
    await worker.ready();
    return { worker, client, taskQueue, chdbPath };
  }

  /** Another worker program on the same queue and engine directory (after a crash); not waited for. */
  restartWorker(previous: SectionWorker): SectionWorker {
    const section = previous.taskQueue.replace(/^bench-/, '');
    const worker = WorkerProcess.start(
      {
        temporalAddress: this.stack.temporalAddress,
        taskQueue: previous.taskQueue,
        chdbPath: previous.chdbPath,
        secret: { name: BENCH_SECRET, value: this.stack.source.password },
        logFile: join(this.stack.logDir, `worker-${section}-${++this.workers}.log`),
      },
      this.cleanup,
    );
    return { ...previous, worker };
  }

  /**
   * A pipe on one benchmark table. `extra` settings are passed through
   * unchecked, so a setting this build does not know (loadMode) is refused by
   * the configuration schema rather than by the compiler.
   */
  pipeConfig(name: string, table: string, opts: { cdc: boolean; extra?: Record<string, unknown>; more?: string[] }): PipeConfig {
    const input: unknown = {
      name,
      source: {
        host: '127.0.0.1',
        port: this.stack.mysqlPort,
        user: this.stack.source.user,
        database: BENCH_DB,
        passwordSecret: BENCH_SECRET,
      },
      destination: { database: 'bench' },
      tables: [table, ...(opts.more ?? [])],
      settings: { ...CDC_SETTINGS, ...opts.extra },
      cdc: opts.cdc,
    };
    return parsePipeConfig(input);
  }

  /**
   * Waits until the worker and MariaDB are quiet (under a tenth of a core
   * each for half a second; at most `maxMs`): a timed section then starts
   * without the last one's leftovers, such as the engine's merges of the
   * parts a load just wrote. Returns how long it waited.
   */
  async settle(worker: WorkerProcess, maxMs = 60_000): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < maxMs) {
      const used = this.cpu(worker);
      await sleep(500);
      const { worker: w = 0, mariadb: m = 0 } = used();
      if (w < 0.05 && m < 0.05) break;
    }
    return Date.now() - started;
  }

  /** Starts counting CPU seconds of the worker, MariaDB, Temporal and this process; call the result to read them. */
  cpu(worker: WorkerProcess) {
    return cpuMeter({ worker: worker.pid, mariadb: this.stack.mariadbPid, temporal: this.stack.temporalPid, bench: process.pid });
  }
}
