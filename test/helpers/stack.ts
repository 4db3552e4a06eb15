import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Connection } from 'mysql2/promise';
import { createDestination, type Destination } from '../../src/clickhouse/destination.js';
import { createSourceConnector } from '../../src/mysql/source-connector.js';
import { parsePipeConfig, type PipeConfig, type PipeConfigInput } from '../../src/pipe/config.js';
import { PipeClient } from '../../src/control/pipe-client.js';
import { createPipeWorker, installWorkerLogging } from '../../src/worker.js';
import { secretEnvName } from '../../src/runtime/environment.js';
import { LOCAL_SOURCE_PASSWORD, SOURCE_USER, rollBackPreparedXa, rootConnection, startMariadb } from '../../scripts/stack/mariadb.js';
import { portOpen } from '../../scripts/stack/processes.js';
import { PROJECT_ROOT } from '../../scripts/stack/paths.js';

/** The test stack started by scripts/run-tests.ts (npm test). */
export function testEnv() {
  const port = Number(process.env.PIPES_TEST_MYSQL_PORT);
  const address = process.env.TEMPORAL_ADDRESS;
  const workDir = process.env.PIPES_TEST_WORK_DIR;
  // The test stack's MariaDB instance: its data, and the TLS files it made.
  const mysqlDir = process.env.PIPES_TEST_MYSQL_DIR;
  if (!port || !address || !workDir || !mysqlDir) {
    throw new Error('run the tests with `npm test`, which starts the test stack (MariaDB, Temporal)');
  }
  return { port, address, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default', workDir, mysqlDir };
}

let loggingInstalled = false;
const taskQueueOf = (id: string) => `test-${id}`;

/** The secret name tests use; the worker resolves it to the reader's password. */
export const TEST_SECRET = 'test-source';

export interface RunningWorker {
  stop(): Promise<void>;
}

/**
 * One test file's world: its own source database, its own task queue and
 * ClickHouse data directory, on the shared test stack.
 */
export class TestWorld {
  readonly taskQueue: string;
  readonly sourceDb: string;
  readonly chdbPath: string;
  private dest: Destination | null = null;

  private constructor(
    readonly env: ReturnType<typeof testEnv>,
    public root: Connection,
    /** A pipe client whose pipes run on this world's task queue. */
    readonly client: PipeClient,
    label: string,
    readonly id: string,
  ) {
    this.taskQueue = taskQueueOf(id);
    this.sourceDb = `src_${label}_${id}`;
    this.chdbPath = join(env.workDir, `chdb-${label}-${id}`);
  }

  /** `temporalAddress`: a Temporal server of the test's own instead of the shared one. */
  static async create(label: string, options: { temporalAddress?: string } = {}): Promise<TestWorld> {
    const env = { ...testEnv(), ...(options.temporalAddress ? { address: options.temporalAddress } : {}) };
    if (!loggingInstalled) {
      installWorkerLogging('WARN');
      loggingInstalled = true;
    }
    const root = await rootConnection(env.port);
    const id = randomUUID().slice(0, 8);
    const client = await PipeClient.connect({ address: env.address, namespace: env.namespace, taskQueue: taskQueueOf(id) });
    const world = new TestWorld(env, root, client, label, id);
    mkdirSync(env.workDir, { recursive: true });
    rmSync(world.chdbPath, { recursive: true, force: true });
    await root.query("SET time_zone = '+00:00'");
    await root.query(`CREATE DATABASE \`${world.sourceDb}\``);
    await root.query(`USE \`${world.sourceDb}\``);
    return world;
  }

  /** A pipe configuration on this world's source, with test-friendly settings. */
  config(input: Omit<PipeConfigInput, 'source'> & { source?: Partial<PipeConfigInput['source']> }): PipeConfig {
    return parsePipeConfig({
      ...input,
      source: {
        host: '127.0.0.1',
        port: this.env.port,
        user: SOURCE_USER,
        database: this.sourceDb,
        passwordSecret: TEST_SECRET,
        ...input.source,
      },
      settings: { syncIntervalSeconds: 1, ...input.settings },
    });
  }

  /** The embedded ClickHouse engine, opened in this process. */
  destination(): Destination {
    this.dest ??= createDestination({ embeddedPath: this.chdbPath });
    return this.dest;
  }

  /** Closes the engine so a worker in another process can open it. */
  async releaseDestination(): Promise<void> {
    await this.dest?.close();
    this.dest = null;
  }

  /**
   * A worker in this process, sharing this process's ClickHouse engine;
   * `wrapDestination` lets a test put a fault injector around it.
   */
  async startWorker(wrapDestination: (d: Destination) => Destination = (d) => d): Promise<RunningWorker> {
    const worker = await createPipeWorker({
      address: this.env.address,
      namespace: this.env.namespace,
      taskQueue: this.taskQueue,
      deps: {
        source: createSourceConnector((name) => {
          if (name !== TEST_SECRET) throw new Error(`unknown secret ${name}`);
          return LOCAL_SOURCE_PASSWORD;
        }),
        destination: wrapDestination(this.destination()),
      },
    });
    const running = worker.run();
    return {
      async stop() {
        worker.shutdown();
        await running;
      },
    };
  }

  /** The real worker program in a child process (it owns the ClickHouse engine meanwhile). */
  async startWorkerProcess(extraEnv: Record<string, string> = {}): Promise<ChildProcess> {
    await this.releaseDestination();
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist/src/worker.js')], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: this.env.address,
        TEMPORAL_NAMESPACE: this.env.namespace,
        PIPES_TASK_QUEUE: this.taskQueue,
        PIPES_CHDB_PATH: this.chdbPath,
        [secretEnvName(TEST_SECRET)]: LOCAL_SOURCE_PASSWORD,
        ...extraEnv,
      },
    });
    return child;
  }

  /**
   * Shuts the source server down, waits `downMs`, and starts it again on the
   * same port and data (the test stack's own instance); reconnects `root`.
   */
  async restartSource(downMs: number): Promise<void> {
    await this.root.query('SHUTDOWN').catch(() => undefined);
    await this.root.end().catch(() => undefined);
    const deadline = Date.now() + 60_000;
    while ((await portOpen(this.env.port)) && Date.now() < deadline) await sleep(200);
    await sleep(downMs);
    await startMariadb({ dir: this.env.mysqlDir, port: this.env.port });
    this.root = await rootConnection(this.env.port);
    // MariaDB 10.11 can bring back, prepared, an XA transaction that a session
    // prepared and left and another rolled back before the shutdown (its log:
    // "Transaction … was in the XA prepared state"); it would hold back every
    // later Setup. No test holds an XA transaction across a restart.
    await rollBackPreparedXa(this.root);
    await this.root.query("SET time_zone = '+00:00'");
    await this.root.query(`USE \`${this.sourceDb}\``);
  }

  async close(): Promise<void> {
    await this.releaseDestination();
    await this.root.query(`DROP DATABASE IF EXISTS \`${this.sourceDb}\``).catch(() => undefined);
    await this.root.end();
    await this.client.close();
  }
}

/** Waits for a child process to exit, after sending it `signal`. */
export function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
