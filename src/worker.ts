import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type InjectedSinks, type LogEntry, type LogLevel } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities/index.js';
import { createDestination } from './clickhouse/destination.js';
import { createSourceConnector } from './mysql/source-connector.js';
import { TASK_QUEUE } from './pipe/names.js';
import { secretsFromEnv } from './runtime/secrets.js';
import { isMainModule } from './runtime/main-module.js';
import { destinationFromEnv, logFormatFromEnv, logLevelFromEnv, metricsPortFromEnv, temporalFromEnv } from './runtime/environment.js';
import type { PipeSinks } from './contract/sinks.js';
import { setPipeState } from './metrics/pipe-metrics.js';
import { freeLocalAddress, startMetricsServer } from './metrics/metrics-server.js';

export interface PipeWorkerOptions {
  /** Temporal frontend, host:port. */
  address: string;
  namespace: string;
  taskQueue?: string;
  /** The connections activities use; the worker adds its own Temporal client. */
  deps: Omit<ActivityDeps, 'temporal'>;
}

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.js', import.meta.url));

/** One JSON object per line (PIPES_LOG_FORMAT=json), for log collectors. */
function jsonLine(entry: LogEntry): void {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  process.stderr.write(`${JSON.stringify({ time, level: entry.level, message: entry.message, ...entry.meta })}\n`);
}

/**
 * Sets how much the worker logs (PIPES_LOG_LEVEL, default INFO) and how
 * (PIPES_LOG_FORMAT), and where the Temporal SDK exports its own metrics
 * (`sdkMetricsAddress`). Call once, before the first worker is created.
 */
export function installWorkerLogging(level: LogLevel = logLevelFromEnv(), options: { json?: boolean; sdkMetricsAddress?: string } = {}): void {
  Runtime.install({
    logger: new DefaultLogger(level, options.json ? jsonLine : undefined),
    telemetryOptions: {
      logging: { filter: { core: level === 'INFO' || level === 'DEBUG' || level === 'TRACE' ? 'WARN' : 'ERROR', other: 'ERROR' } },
      ...(options.sdkMetricsAddress ? { metrics: { prometheus: { bindAddress: options.sdkMetricsAddress, countersTotalSuffix: true, useSecondsForDurations: true } } } : {}),
    },
  });
}

/** The worker's side of the workflows' sinks: a pipe's status into the metrics (not on replay: it is old news). */
const sinks: InjectedSinks<PipeSinks> = {
  pipeState: { changed: { fn: (_info, pipe, status) => setPipeState(pipe, status), callDuringReplay: false } },
};

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
    sinks,
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
  const metricsPort = metricsPortFromEnv();
  const sdkMetricsAddress = metricsPort ? await freeLocalAddress() : undefined;
  installWorkerLogging(logLevelFromEnv(), { json: logFormatFromEnv() === 'json', sdkMetricsAddress });
  const destination = createDestination(destinationFromEnv());
  const temporal = temporalFromEnv();
  const worker = await createPipeWorker({ ...temporal, deps: { source: createSourceConnector(secretsFromEnv()), destination } });
  const metrics = metricsPort ? await startMetricsServer(metricsPort, sdkMetricsAddress ?? null) : null;
  const started = `pipes worker: task queue "${temporal.taskQueue}", ClickHouse ${destination.kind}${metricsPort ? `, metrics on :${metricsPort}/metrics` : ''}`;
  console.log(logFormatFromEnv() === 'json' ? JSON.stringify({ time: new Date().toISOString(), level: 'INFO', message: started }) : started);
  try {
    await worker.run();
  } finally {
    metrics?.close();
    await destination.close();
  }
}

if (isMainModule(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(`pipes worker: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
