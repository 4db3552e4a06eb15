import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type LogLevel } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities/index.js';
import { createDestination } from './clickhouse/destination.js';
import { createSourceConnector } from './mysql/source-connector.js';
import { TASK_QUEUE } from './pipe/names.js';
import { secretsFromEnv } from './runtime/secrets.js';
import { isMainModule } from './runtime/main-module.js';
import { destinationFromEnv, logLevelFromEnv, temporalFromEnv } from './runtime/environment.js';

export interface PipeWorkerOptions {
  /** Temporal frontend, host:port. */
  address: string;
  namespace: string;
  taskQueue?: string;
  /** The connections activities use; the worker adds its own Temporal client. */
  deps: Omit<ActivityDeps, 'temporal'>;
}

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.js', import.meta.url));

/**
 * Sets how much the worker logs (PIPES_LOG_LEVEL, default INFO). Call once,
 * before the first worker is created.
 */
export function installWorkerLogging(level: LogLevel = logLevelFromEnv()): void {
  Runtime.install({
    logger: new DefaultLogger(level),
    telemetryOptions: { logging: { filter: { core: level === 'INFO' || level === 'DEBUG' || level === 'TRACE' ? 'WARN' : 'ERROR', other: 'ERROR' } } },
  });
}

export interface PipeWorker {
  /** Runs until shutdown() or a shutdown signal (SIGINT, SIGTERM). */
  run(): Promise<void>;
  shutdown(): void;
}

/** A worker that runs pipe workflows and their activities. */
export async function createPipeWorker(opts: PipeWorkerOptions): Promise<PipeWorker> {
  const connection = await NativeConnection.connect({ address: opts.address });
  const clientConnection = await Connection.connect({ address: opts.address });
  const temporal = new Client({ connection: clientConnection, namespace: opts.namespace });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
    activities: createActivities({ ...opts.deps, temporal }),
    // Deliver cancellations (pause, drop) within about a second.
    maxHeartbeatThrottleInterval: '1 second',
  });
  return {
    async run() {
      try {
        await worker.run();
      } finally {
        await clientConnection.close();
        await connection.close();
      }
    },
    shutdown: () => worker.shutdown(),
  };
}

async function main(): Promise<void> {
  installWorkerLogging();
  const destination = createDestination(destinationFromEnv());
  const temporal = temporalFromEnv();
  const worker = await createPipeWorker({ ...temporal, deps: { source: createSourceConnector(secretsFromEnv()), destination } });
  console.log(`pipes worker: task queue "${temporal.taskQueue}", ClickHouse ${destination.kind}`);
  try {
    await worker.run();
  } finally {
    await destination.close();
  }
}

if (isMainModule(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(`pipes worker: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
