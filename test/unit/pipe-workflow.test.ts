import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { activityWrapper } from '../../src/activities/activity-wrapper.js';
import type { Activities } from '../../src/activities/index.js';
import type { LoadChunkInput, LoadTablesInput, LoadTablesResult, PullChangesInput } from '../../src/contract/activity-io.js';
import { dropSignal, pauseSignal, resumeSignal, statusQuery } from '../../src/contract/messages.js';
import { parsePipeConfig, type PipeConfig } from '../../src/pipe/config.js';
import { PipeValidationError } from '../../src/pipe/errors.js';
import type { PipeStatus, PipeStatusView } from '../../src/pipe/status.js';
import type { TableSchema } from '../../src/pipe/table-schema.js';
import type { ActivityDeps } from '../../src/activities/deps.js';
import { withWorker, workflowTestEnv } from '../helpers/workflow-env.js';

/**
 * The workflows' orchestration with stand-in activities: what a user sees
 * (statuses, statistics, errors) and what the workflows ask of the
 * activities (positions, pause, resume, retry), without any database.
 */

const config: PipeConfig = parsePipeConfig({
  name: 'unit',
  source: { user: 'u', database: 'db' },
  destination: { database: 'dst' },
  tables: ['a'],
  settings: { syncIntervalSeconds: 1 },
});

const schema: TableSchema = {
  table: 'a',
  key: ['id'],
  orderBy: ['id'],
  columns: [{ name: 'id', sourceType: 'int', clickhouseType: 'Int32', kind: 'int', nullable: false }],
};

/** Waits, heartbeating as real activities do (so a pause's cancellation reaches it). */
async function busy(ms: number): Promise<void> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(), 200);
  try {
    await sleep(ms, undefined, { signal: ctx.cancellationSignal });
  } finally {
    clearInterval(timer);
  }
}

/** Stand-in activities: two chunks of 100 rows, then batches of 3 changes each moving the position by 10. */
function standIns(overrides: Partial<Record<keyof Activities, (input: never) => Promise<unknown>>> = {}) {
  const calls = { pulls: [] as PullChangesInput[], chunks: [] as LoadChunkInput[], prepares: 0 };
  const activities = {
    async preparePipe() {
      calls.prepares++;
      return { schemas: [schema], position: { file: 'binlog.000001', pos: 100 } };
    },
    async validateSource() {
      return [schema];
    },
    async checkBinlogHolds() {},
    // The test server has not registered the pipes' search attributes.
    async searchAttributesReady() {
      return false;
    },
    async planTablesChunks() {
      return [
        [
          { index: 0, lower: null, upper: ['100'] },
          { index: 1, lower: ['100'], upper: null },
        ],
      ];
    },
    async loadChunk(input: LoadChunkInput) {
      calls.chunks.push(input);
      return { rows: 100 };
    },
    async pullChanges(input: PullChangesInput) {
      calls.pulls.push(input);
      await busy(100);
      return { position: { file: input.from.file, pos: input.from.pos + 10 }, changes: 3, counts: { a: { inserted: 1, updated: 1, deleted: 1 } } };
    },
    ...overrides,
  };
  return { activities, calls };
}

describe('pipe workflow, with stand-in activities', () => {
  let env: TestWorkflowEnvironment;

  before(async () => {
    env = await workflowTestEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  async function waitFor(handle: { query: (q: typeof statusQuery) => Promise<PipeStatusView> }, check: (v: PipeStatusView) => boolean) {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const view = await handle.query(statusQuery);
      if (check(view)) return view;
      if (Date.now() > deadline) assert.fail(`status never matched: ${JSON.stringify(view)}`);
      await sleep(50);
    }
  }

  it('goes Setup → Snapshot → Running, loads every chunk with the recorded version, and counts CDC changes', async () => {
    const { activities, calls } = standIns();
    await withWorker(env, activities, async (taskQueue) => {
      const handle = await env.client.workflow.start('pipeWorkflow', { taskQueue, workflowId: `pipe:${taskQueue}`, args: [{ config }] });
      const view = await waitFor(handle, (v) => v.cdc.batches >= 3);
      assert.deepEqual(view.recentStatuses.map((s) => s.status), ['Setup', 'Snapshot', 'Running']);
      assert.deepEqual([view.tables.a?.initialLoad.rowsLoaded, view.tables.a?.initialLoad.chunksDone, view.tables.a?.initialLoad.done], [200, 2, true]);
      assert.ok((view.tables.a?.cdc.inserted ?? 0) >= 3);
      assert.deepEqual(new Set(calls.chunks.map((c) => c.version)), new Set([2 ** 32 + 100]));
      // Each batch starts where the last one was committed.
      calls.pulls.slice(1).forEach((p, i) => assert.equal(p.from.pos, calls.pulls[i]!.from.pos + 10));
      await handle.signal(dropSignal);
      assert.deepEqual(await handle.result(), { status: 'Dropped' });
    });
  });

  it('a pause cancels the batch in flight; resume starts again from the committed position', async () => {
    const { activities, calls } = standIns({
      async pullChanges(input: PullChangesInput) {
        calls.pulls.push(input);
        // Long batches: the pause arrives while one runs.
        await busy(60_000);
        return { position: input.from, changes: 0, counts: {} };
      },
    });
    await withWorker(env, activities, async (taskQueue) => {
      const handle = await env.client.workflow.start('pipeWorkflow', { taskQueue, workflowId: `pipe:${taskQueue}`, args: [{ config }] });
      await waitFor(handle, (v) => v.status === 'Running' && calls.pulls.length === 1);
      await handle.signal(pauseSignal);
      await waitFor(handle, (v) => v.status === 'Paused');
      await handle.signal(resumeSignal);
      await waitFor(handle, (v) => v.status === 'Running' && calls.pulls.length === 2);
      assert.deepEqual(calls.pulls[1]!.from, calls.pulls[0]!.from);
      await handle.signal(dropSignal);
      await handle.result();
    });
  });

  it('a permanent error shows Failed with its message at once; resume retries the step', async () => {
    let attempts = 0;
    const { activities } = standIns();
    const deps = { temporal: env.client } as unknown as ActivityDeps;
    const failingOnce = activityWrapper(deps)(async () => {
      attempts++;
      if (attempts === 1) throw new PipeValidationError('table "a" does not exist in source database "db"');
      return { schemas: [schema], position: { file: 'binlog.000001', pos: 100 } };
    });
    await withWorker(env, { ...activities, preparePipe: failingOnce }, async (taskQueue) => {
      const handle = await env.client.workflow.start('pipeWorkflow', { taskQueue, workflowId: `pipe:${taskQueue}`, args: [{ config }] });
      const failed = await waitFor(handle, (v) => v.status === 'Failed');
      assert.equal(failed.lastError, 'table "a" does not exist in source database "db"');
      assert.equal(attempts, 1, 'not retried by Temporal');
      await handle.signal(resumeSignal);
      const running = await waitFor(handle, (v) => v.status === 'Running');
      assert.deepEqual(
        running.recentStatuses.map((s) => s.status as PipeStatus),
        ['Setup', 'Failed', 'Setup', 'Snapshot', 'Running'],
      );
      await handle.signal(dropSignal);
      await handle.result();
    });
  });

  it('a retried failure is shown in status while it lasts', async () => {
    let attempts = 0;
    const { activities } = standIns();
    const deps = { temporal: env.client } as unknown as ActivityDeps;
    const flaky = activityWrapper(deps)(async (input: LoadChunkInput) => {
      if (input.chunk.index === 0 && ++attempts <= 2) throw new Error('ClickHouse is down');
      return { rows: 100 };
    }, 'self');
    await withWorker(env, { ...activities, loadChunk: flaky }, async (taskQueue) => {
      const handle = await env.client.workflow.start('pipeWorkflow', { taskQueue, workflowId: `pipe:${taskQueue}`, args: [{ config }] });
      const view = await waitFor(handle, (v) => v.status === 'Running');
      assert.equal(view.retries, 2);
      assert.match(view.lastError ?? '', /loadChunk \(attempt 2, retrying\): ClickHouse is down/);
      await handle.signal(dropSignal);
      await handle.result();
    });
  });

  it('a pipe started with a bad configuration shows Failed with every problem', async () => {
    await withWorker(env, standIns().activities, async (taskQueue) => {
      const handle = await env.client.workflow.start('pipeWorkflow', {
        taskQueue,
        workflowId: `pipe:${taskQueue}`,
        args: [{ config: { name: 'bad', tables: [], settings: { pullBatchSize: 0 } } as never }],
      });
      const view = await waitFor(handle, (v) => v.status === 'Failed');
      assert.match(view.lastError ?? '', /source: is required/);
      assert.match(view.lastError ?? '', /settings\.pullBatchSize: must be at least 1/);
      await handle.signal(dropSignal);
      await handle.result();
    });
  });

  it('loads small tables of one chunk several at a time; one whose definition changed under it is stopped to be loaded again', async () => {
    const tables = ['a', 'b', 'c'];
    const schemas = tables.map((table) => ({ ...schema, table }));
    const batches: string[][] = [];
    const { activities, calls } = standIns({
      async preparePipe() {
        return { schemas, position: { file: 'binlog.000001', pos: 100 } };
      },
      async validateSource() {
        return schemas;
      },
      async planTablesChunks(input: { schemas: TableSchema[] }) {
        return input.schemas.map(() => [{ index: 0, lower: null, upper: null, rowsAtMost: 10 }]);
      },
      async loadTables(input: LoadTablesInput): Promise<LoadTablesResult> {
        batches.push(input.tables.map((t) => t.destinationTable));
        return input.tables.map((t) => (t.schema.table === 'b' ? { definitionChanged: "b's column x is gone" } : { rows: 10 }));
      },
    });
    await withWorker(env, activities, async (taskQueue) => {
      const handle = await env.client.workflow.start('pipeWorkflow', {
        taskQueue,
        workflowId: `pipe:${taskQueue}`,
        args: [{ config: { ...config, tables } }],
      });
      const view = await waitFor(handle, (v) => v.status === 'Running' && v.tables.b?.state === 'NeedsResync');
      assert.deepEqual(batches[0], tables, 'the three tables in one activity');
      assert.deepEqual(calls.chunks, [], 'no table loaded alone');
      assert.deepEqual(
        tables.map((t) => [view.tables[t]?.initialLoad.rowsLoaded, view.tables[t]?.initialLoad.done]),
        [[10, true], [0, false], [10, true]],
      );
      assert.match(view.tables.b?.reason ?? '', /b's column x is gone; it is loaded again/);
      await handle.signal(dropSignal);
      await handle.result();
    });
  });

  it('keeps every lane busy: lanes that found nothing to load wait for the next plans', async () => {
    // 16 small tables planned at once (one lane loads them together), then 4 large ones of 4 chunks planned later.
    const tables = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const schemas = tables.map((table) => ({ ...schema, table }));
    let running = 0;
    let most = 0;
    const { activities } = standIns({
      async preparePipe() {
        return { schemas, position: { file: 'binlog.000001', pos: 100 } };
      },
      async validateSource() {
        return schemas;
      },
      async planTablesChunks(input: { schemas: TableSchema[] }) {
        const large = input.schemas.some((s) => s.table === 't16');
        if (large) await sleep(1_000);
        return input.schemas.map(() =>
          large ? [0, 1, 2, 3].map((index) => ({ index, lower: index ? [String(index)] : null, upper: index < 3 ? [String(index + 1)] : null })) : [{ index: 0, lower: null, upper: null, rowsAtMost: 10 }],
        );
      },
      async loadTables(input: LoadTablesInput): Promise<LoadTablesResult> {
        return input.tables.map(() => ({ rows: 10 }));
      },
      async loadChunk() {
        most = Math.max(most, ++running);
        await sleep(300);
        running--;
        return { rows: 100 };
      },
    });
    await withWorker(env, activities, async (taskQueue) => {
      const handle = await env.client.workflow.start('pipeWorkflow', {
        taskQueue,
        workflowId: `pipe:${taskQueue}`,
        args: [{ config: { ...config, tables } }],
      });
      await waitFor(handle, (v) => v.status === 'Running');
      assert.equal(most, config.settings.snapshotParallelThreads * config.settings.snapshotTablesInParallel, 'chunks loaded in every lane at once');
      await handle.signal(dropSignal);
      await handle.result();
    });
  });

  it('a resync the source refuses reports why to the pipe and changes nothing', async () => {
    const reported: string[] = [];
    const deps = { temporal: env.client } as unknown as ActivityDeps;
    const wrap = activityWrapper(deps);
    const activities = {
      readPipeConfig: wrap(async () => config),
      validateSource: wrap(async () => {
        throw new PipeValidationError('table "a" does not exist in source database "db"');
      }),
      reportToPipe: wrap(async (_pipe: string, message: string) => {
        reported.push(message);
      }),
      stopPipe: wrap(async () => assert.fail('a refused resync must not stop the pipe')),
    };
    await withWorker(env, activities, async (taskQueue) => {
      const handle = await env.client.workflow.start('resyncWorkflow', { taskQueue, workflowId: `resync:${taskQueue}`, args: [{ pipe: 'unit' }] });
      await assert.rejects(handle.result(), (err: Error & { cause?: Error }) => {
        assert.equal(err.cause?.message, 'resync of pipe unit refused: table "a" does not exist in source database "db"');
        return true;
      });
      assert.deepEqual(reported, ['resync refused: table "a" does not exist in source database "db"']);
    });
  });
});
