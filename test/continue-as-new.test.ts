import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TestWorld, sleep, testEnv, type RunningWorker } from './helpers/stack.js';
import { assertSameAsSource, decideXa, expectStatus, waitCaughtUp } from './helpers/pipes.js';
import { startTemporalServer } from '../scripts/stack/temporal-server.js';
import { freePort, type Service } from '../scripts/stack/processes.js';
import { rootConnection } from '../scripts/stack/mariadb.js';
import { workflowRuns } from '../scripts/stack/workflow-runs.js';
import { pipeWorkflowId, resyncWorkflowId } from '../src/pipe/names.js';
import { unpackCarryOver } from '../src/workflows/carry-over.js';

/**
 * A pipe's workflow continues as new to keep its history small, also in the
 * middle of an online resync (whose waits for a position it cuts: they are
 * asked again), of a validation, and while an XA transaction is held. A
 * Temporal server of the test's own suggests continue-as-new every 100
 * events, so this happens dozens of times here. A pipe of many tables also
 * loads them, and resyncs them online and offline, over several runs.
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

  /** The runs of a workflow (since `since`): how many were started with a carry-over holding `key`, and the longest history. */
  async function runs(id: string, key: string, since = new Date(0)): Promise<{ carrying: number; longest: number }> {
    let carrying = 0;
    let longest = 0;
    for await (const { startTime, history } of workflowRuns(world.client.temporal, id)) {
      if (startTime < since) continue;
      // The carry-over is the second argument, deflated.
      const packed = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[1]?.data;
      if (packed && key in unpackCarryOver<Record<string, unknown>>(packed)) carrying++;
      longest = Math.max(longest, history.events?.length ?? 0);
    }
    return { carrying, longest };
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
    let result;
    try {
      // A paced load: about 20 s of batches while it runs (a run renews about every 12 batches).
      await world.client.resync(pipe, { maxRowsPerSecond: 2_000 });
      await world.client.waitForResync(pipe, 180_000);
      result = await world.client.validations.validate(pipe);
    } finally {
      // (A writer left running would fail the tests after this one.)
      writing = false;
      await writer;
    }
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

  it('loads a pipe of many tables, and resyncs it online and offline, over several runs of each workflow: every history stays short', async (t) => {
    const wide = 'wide';
    const wideDst = `dst_${world.id}_wide`;
    const names = Array.from({ length: 24 }, (_, i) => `w${i}`);
    for (const t of names) {
      await world.root.query(`CREATE TABLE ${t} (id INT PRIMARY KEY, v INT NOT NULL)`);
      await world.root.query(`INSERT INTO ${t} SELECT seq, seq FROM seq_1_to_2000`);
    }
    const same = async () => {
      await waitCaughtUp(world, wide);
      for (const t of names) await assertSameAsSource(world, wideDst, t, ['id', 'v'], ['id']);
    };
    // 4 chunks a table: one run would write about 750 events for the load alone.
    await world.client.create(world.config({ name: wide, destination: { database: wideDst }, tables: names, settings: { snapshotRowsPerPartition: 500 } }));
    await expectStatus(world, wide, 'Running', 180_000);
    const load = await runs(pipeWorkflowId(wide), 'loading');
    assert.ok(load.carrying >= 2, `the initial load went on in later runs (${load.carrying})`);
    await same();

    await world.root.query('UPDATE w0 SET v = v + 1 WHERE id <= 100');
    await world.root.query('DELETE FROM w23 WHERE id <= 50');
    await world.client.resync(wide);
    await world.client.waitForResync(wide, 240_000);
    const online = await runs(resyncWorkflowId(wide), 'left');
    assert.ok(online.carrying >= 2, `the online resync went on in later runs (${online.carrying})`);
    await world.root.query('UPDATE w5 SET v = v + 1 WHERE id > 1900');
    await same();

    const offlineStarted = new Date();
    await world.client.resync(wide, { mode: 'offline' });
    await world.client.waitForResync(wide, 240_000);
    const offline = await runs(resyncWorkflowId(wide), 'load', offlineStarted);
    assert.ok(offline.carrying >= 2, `the offline resync went on in later runs (${offline.carrying})`);
    await world.root.query('DELETE FROM w7 WHERE id > 1990');
    await same();

    // In one run each: the load about 750 events, the online resync about 3,300, the offline one about 1,000.
    const longest = { load: load.longest, online: online.longest, offline: offline.longest };
    t.diagnostic(`longest histories, in events: ${JSON.stringify(longest)}`);
    assert.ok(longest.load < 400 && longest.online < 1_500 && longest.offline < 700, `every run's history stays short: ${JSON.stringify(longest)}`);
    await world.client.drop(wide);
  });
});
