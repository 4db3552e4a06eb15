import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TestWorld, sleep, testEnv, type RunningWorker } from './helpers/stack.js';
import { assertSameAsSource, decideXa, expectStatus, waitCaughtUp } from './helpers/pipes.js';
import { startTemporalServer } from '../scripts/stack/temporal-server.js';
import { freePort, type Service } from '../scripts/stack/processes.js';
import { rootConnection } from '../scripts/stack/mariadb.js';
import { pipeWorkflowId } from '../src/pipe/names.js';

/**
 * A pipe's workflow continues as new to keep its history small, also in the
 * middle of an online resync (whose waits for a position it cuts: they are
 * asked again), of a validation, and while an XA transaction is held. A
 * Temporal server of the test's own suggests continue-as-new every 100
 * events, so this happens dozens of times here.
 */
describe('continue-as-new under a resync, a validation and a held XA transaction', () => {
  let world: TestWorld;
  let temporal: Service;
  let worker: RunningWorker;
  const pipe = 'renewed';
  const dst = () => `dst_${world.id}`;

  /** Runs of the pipe's workflow that ended by continuing as new. */
  async function continuedRuns(): Promise<number> {
    let n = 0;
    for await (const _ of world.client.temporal.workflow.list({ query: `WorkflowId = '${pipeWorkflowId(pipe)}' AND ExecutionStatus = 'ContinuedAsNew'` })) n++;
    return n;
  }

  before(async () => {
    const env = testEnv();
    const port = await freePort();
    temporal = await startTemporalServer({
      port,
      logDir: join(env.workDir, 'logs'),
      instance: 'can-test',
      dynamicConfig: ['limit.historyCount.suggestContinueAsNew=100'],
    });
    world = await TestWorld.create('can', { temporalAddress: `127.0.0.1:${port}` });
    await world.root.query('CREATE TABLE a (id INT PRIMARY KEY, v INT NOT NULL)');
    await world.root.query('INSERT INTO a SELECT seq, seq FROM seq_1_to_40000');
    await world.root.query('CREATE TABLE b (id INT PRIMARY KEY, v INT NOT NULL)');
    await world.root.query('INSERT INTO b SELECT seq, seq FROM seq_1_to_1000');
    worker = await world.startWorker();
    await world.client.create(world.config({ name: pipe, destination: { database: dst() }, tables: ['a', 'b'], settings: { snapshotRowsPerPartition: 5_000 } }));
    await expectStatus(world, pipe, 'Running', 120_000);
  });

  after(async () => {
    await world.client.drop(pipe).catch(() => undefined);
    await worker?.stop();
    await world?.close();
    await temporal?.stop();
  });

  it('continues as new through an online resync and a validation, losing nothing', async () => {
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await world.root.query(`UPDATE a SET v = v + 1 WHERE id = ${1 + (i % 40_000)}`);
        await world.root.query(`UPDATE b SET v = v + 1 WHERE id = ${1 + (i % 1_000)}`);
        await sleep(30);
      }
    })();
    const before = await continuedRuns();
    // A paced load: about 20 s of batches while it runs (a run renews about every 12 batches).
    await world.client.resync(pipe, { maxRowsPerSecond: 2_000 });
    await world.client.waitForResync(pipe, 180_000);
    const result = await world.client.validations.validate(pipe);
    writing = false;
    await writer;
    assert.ok((await continuedRuns()) > before, 'the pipe continued as new during the resync');
    assert.deepEqual(Object.values(result.tables).map((t) => t.differingKeys), [0, 0]);
    await waitCaughtUp(world, pipe);
    await assertSameAsSource(world, dst(), 'a', ['id', 'v'], ['id']);
    await assertSameAsSource(world, dst(), 'b', ['id', 'v'], ['id']);
  });

  it('keeps an XA transaction held across continue-as-new, and applies it at its commit', async () => {
    const session = await rootConnection(world.env.port, world.sourceDb);
    await session.query("XA START 'across'; INSERT INTO b VALUES (5000, 1); XA END 'across'; XA PREPARE 'across'");
    await session.end();
    const runs = await continuedRuns();
    // Other changes flow; the run renews meanwhile.
    for (let i = 0; (await continuedRuns()) < runs + 2; i++) {
      await world.root.query(`UPDATE a SET v = v + 1 WHERE id = ${1 + i}`);
      await sleep(200);
      assert.ok(i < 300, 'the run continued as new');
    }
    await decideXa(world, "XA COMMIT 'across'");
    await waitCaughtUp(world, pipe);
    await assertSameAsSource(world, dst(), 'b', ['id', 'v'], ['id']);
  });
});
