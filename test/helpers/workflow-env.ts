import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '../../src/worker.js';
import { ensureTemporalCli } from '../../scripts/stack/temporal-cli.js';

let runtimeInstalled = false;

/**
 * A Temporal dev server of the test's own (the locally built CLI, in
 * memory), for workflow tests whose activities are stand-ins: no database
 * and no ClickHouse needed.
 */
export async function workflowTestEnv(): Promise<TestWorkflowEnvironment> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: ensureTemporalCli() }, ip: '127.0.0.1' },
  });
}

/** Runs `body` with a worker on a fresh task queue that runs the real workflows and the given activities. */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  activities: object,
  body: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = `unit-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities,
    maxHeartbeatThrottleInterval: '1 second',
  });
  return worker.runUntil(body(taskQueue));
}
