import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { TestWorld, killAndWait, sleep } from './helpers/stack.js';
import { checksum, destinationImage, firstDifference, sourceImage } from './helpers/compare.js';
import { expectStatus, waitCaughtUp } from './helpers/pipes.js';

/**
 * The real worker program, killed with SIGKILL while CDC batches are in
 * flight, then started again: the pipe continues from its last committed
 * position and FINAL equals the source, with no key lost or doubled.
 */
describe('a worker killed in Running state', () => {
  let world: TestWorld;
  let worker: ChildProcess | null = null;
  const pipe = 'restart';
  const destDb = () => `dst_${world.id}`;
  const cols = ['id', 'v', 's'];

  before(async () => {
    world = await TestWorld.create('restart');
    await world.root.query('CREATE TABLE t (id INT PRIMARY KEY AUTO_INCREMENT, v INT NOT NULL, s VARCHAR(40))');
    await world.root.query(`INSERT INTO t (v, s) SELECT seq, CONCAT('row ', seq) FROM seq_1_to_5000`);
  });

  after(async () => {
    if (worker) await killAndWait(worker, 'SIGTERM');
    await world?.close();
  });

  /** A steady stream of small transactions: inserts, updates and deletes. */
  async function writeChanges(rounds: number, offset: number): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      const k = offset + i;
      await world.root.query(`INSERT INTO t (v, s) VALUES (${k}, 'ins ${k}'), (${k + 1}, 'ins2 ${k}')`);
      await world.root.query(`UPDATE t SET v = v + 1, s = CONCAT('upd ', ${k}) WHERE id = ${(k * 7) % 5000 + 1}`);
      await world.root.query(`DELETE FROM t WHERE id = ${(k * 13) % 5000 + 1}`);
      await sleep(10);
    }
  }

  it('loses and duplicates nothing', async () => {
    worker = await world.startWorkerProcess();
    await world.client.create(
      world.config({ name: pipe, destination: { database: destDb() }, tables: ['t'], settings: { snapshotRowsPerPartition: 1000 } }),
    );
    await expectStatus(world, pipe, 'Running', 60_000);

    const writing = writeChanges(150, 0);
    await sleep(1_500);
    await killAndWait(worker, 'SIGKILL');
    worker = null;
    await writing;
    await writeChanges(50, 1000); // more changes while no worker runs

    worker = await world.startWorkerProcess();
    const view = await waitCaughtUp(world, pipe, 90_000);
    assert.equal(view.status, 'Running');
    // The engine belongs to one process: stop the worker to read it here.
    await killAndWait(worker, 'SIGTERM');
    worker = null;

    const src = await sourceImage(world.root, world.sourceDb, 't', cols, ['id']);
    const dst = await destinationImage(world.destination(), destDb(), 't', cols, ['id']);
    assert.equal(dst.length, src.length, 'row count');
    assert.equal(checksum(dst), checksum(src), `checksum; ${firstDifference(src, dst)}`);
    const [dupes] = await world.destination().query<{ n: string }>(
      `SELECT count() - uniqExact(id) AS n FROM \`${destDb()}\`.t FINAL`,
    );
    assert.equal(Number(dupes?.n), 0, 'no key appears twice');
  });
});
