import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestWorld, sleep, type RunningWorker } from './helpers/stack.js';
import { physicalRows } from './helpers/compare.js';
import { expectStatus, waitCaughtUp, assertSameAsSource } from './helpers/pipes.js';

/**
 * The source database restarted during the initial load and during CDC: the
 * activities retry until it is back, and the pipe ends equal to the source,
 * each snapshot row written once.
 */
describe('the source database restarted', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  const pipe = 'restart';
  const dst = () => `dst_${world.id}`;
  const cols = ['id', 'v', 's'];
  const ROWS = 100_000;


  before(async () => {
    world = await TestWorld.create('restart');
    await world.root.query('CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(40) NOT NULL)');
    await world.root.query(`INSERT INTO t SELECT seq, seq % 89, CONCAT('row ', seq) FROM seq_1_to_${ROWS}`);
    worker = await world.startWorker();
  });

  after(async () => {
    await world.client.drop(pipe).catch(() => undefined);
    await worker?.stop();
    await world?.close();
  });

  it('during the initial load', async () => {
    await world.client.create(
      world.config({
        name: pipe,
        destination: { database: dst() },
        tables: ['t'],
        // About 6 s of load, so the restart lands in its middle.
        settings: { snapshotParallelThreads: 3, maxRowsPerSecond: 16_000, syncIntervalSeconds: 1 },
      }),
    );
    await expectStatus(world, pipe, 'Snapshot', 60_000);
    await sleep(2_000);
    await world.restartSource(1_000);
    await expectStatus(world, pipe, 'Running', 180_000);
    await assertSameAsSource(world, dst(), 't', cols, ['id']);
    assert.equal(await physicalRows(world.destination(), dst(), 't'), ROWS);
  });

  it('during CDC', async () => {
    await world.root.query('UPDATE t SET v = v + 1 WHERE id <= 20000');
    await world.restartSource(1_000);
    await world.root.query('UPDATE t SET v = v + 1 WHERE id > 90000');
    await world.root.query('DELETE FROM t WHERE id % 1000 = 0');
    await waitCaughtUp(world, pipe, 180_000);
    await assertSameAsSource(world, dst(), 't', cols, ['id']);
  });
});
