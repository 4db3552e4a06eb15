import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from 'mysql2/promise';
import { TestWorld, sleep, type RunningWorker } from './helpers/stack.js';
import { physicalRows } from './helpers/compare.js';
import { expectStatus, waitCaughtUp, assertSameAsSource } from './helpers/pipes.js';
import { SOURCE_USER } from '../scripts/stack/mariadb.js';

/**
 * Faults on the source side: its connections killed by the server in the
 * middle of a chunk and of binlog streaming, a transaction and a burst
 * larger than a CDC batch, and the binlog purged past a paused pipe's
 * position. Nothing is lost or doubled; what retries cannot fix is reported
 * as such.
 */
describe('source faults', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  const pipe = 'faults';
  const dst = () => `dst_${world.id}`;
  const cols = ['id', 'v', 's'];
  const ROWS = 60_000;

  /** KILL CONNECTION for the pipe user's connections doing `command` ('Query' or 'Binlog Dump'). */
  async function killConnections(command: string): Promise<number> {
    const [rows] = await world.root.query<RowDataPacket[]>(
      'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ? AND COMMAND = ?',
      [SOURCE_USER, command],
    );
    for (const r of rows) await world.root.query(`KILL CONNECTION ${Number(r.id)}`).catch(() => undefined);
    return rows.length;
  }

  async function binlogReaders(): Promise<number> {
    const [rows] = await world.root.query<RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ? AND COMMAND = 'Binlog Dump'",
      [SOURCE_USER],
    );
    return Number(rows[0]?.n ?? 0);
  }


  before(async () => {
    world = await TestWorld.create('faults');
    await world.root.query('CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(40) NOT NULL)');
    await world.root.query(`INSERT INTO t SELECT seq, seq % 97, CONCAT('row ', seq) FROM seq_1_to_${ROWS}`);
    worker = await world.startWorker();
  });

  after(async () => {
    await world.client.drop(pipe).catch(() => undefined);
    await worker?.stop();
    await world?.close();
  });

  it('survives its chunk connections killed mid-load, writing each row once', async () => {
    // A paced load (about 6 s) leaves time to kill the readers in the middle.
    await world.client.create(
      world.config({
        name: pipe,
        destination: { database: dst() },
        tables: ['t'],
        settings: { snapshotRowsPerPartition: 20_000, snapshotParallelThreads: 3, maxRowsPerSecond: 10_000, syncIntervalSeconds: 1, pullBatchSize: 5_000 },
      }),
    );
    await expectStatus(world, pipe, 'Snapshot', 60_000);
    let killed = 0;
    for (let i = 0; i < 3; i++) {
      await sleep(1_500);
      killed += await killConnections('Query').then(async (n) => n + (await killConnections('Sleep')));
    }
    assert.ok(killed > 0, 'a chunk reader was connected and killed');
    await expectStatus(world, pipe, 'Running', 120_000);
    await assertSameAsSource(world, dst(), 't', cols, ['id']);
    // Resumed chunks restart after their last written page: no page twice.
    assert.equal(await physicalRows(world.destination(), dst(), 't'), ROWS);
  });

  it('survives its binlog connection killed mid-stream', async () => {
    for (let i = 0; i < 5; i++) {
      await world.root.query(`UPDATE t SET v = v + 1 WHERE id % 5 = ${i}`);
      assert.ok((await killConnections('Binlog Dump')) >= 0);
      await sleep(300);
    }
    await world.root.query('DELETE FROM t WHERE id > 59000');
    await waitCaughtUp(world, pipe, 60_000);
    await assertSameAsSource(world, dst(), 't', cols, ['id']);
  });

  it('applies a transaction of 60,000 rows and a burst, both larger than the pull batch', async () => {
    await world.root.query('START TRANSACTION');
    await world.root.query("UPDATE t SET v = v + 1000, s = CONCAT(s, ' in one commit')");
    await world.root.query('COMMIT');
    for (let i = 0; i < 20; i++) {
      await world.root.query(`INSERT INTO t SELECT ${100_000 + i * 1000} + seq, seq, 'burst' FROM seq_1_to_1000`);
    }
    await world.root.query('DELETE FROM t WHERE id BETWEEN 100001 AND 100500');
    await waitCaughtUp(world, pipe, 120_000);
    await assertSameAsSource(world, dst(), 't', cols, ['id']);
  });

  it('fails with a resync message when the binlog was purged past its position, and a resync recovers', async () => {
    await world.client.pause(pipe);
    await expectStatus(world, pipe, 'Paused');
    const paused = await world.client.status(pipe);
    await world.root.query('UPDATE t SET v = -1 WHERE id <= 100');
    await world.root.query('FLUSH BINARY LOGS');
    const [[last]] = await world.root.query<RowDataPacket[]>('SHOW MASTER STATUS');
    // The server keeps a file that a reader still has open: wait for the paused pipe's reader to go.
    const deadline = Date.now() + 30_000;
    while ((await binlogReaders()) > 0 && Date.now() < deadline) await sleep(200);
    // The server also keeps a file until its binlog checkpoint has moved on.
    const purged = async () => {
      await world.root.query(`PURGE BINARY LOGS TO '${String(last?.File)}'`);
      const [files] = await world.root.query<RowDataPacket[]>('SHOW BINARY LOGS');
      return !files.some((f) => f.Log_name === paused.cdc.position?.file);
    };
    while (!(await purged()) && Date.now() < deadline) await sleep(500);
    assert.ok(await purged(), `the file of the pipe's position ${JSON.stringify(paused.cdc.position)} is purged`);
    await world.client.resume(pipe);
    const failed = await expectStatus(world, pipe, 'Failed', 60_000);
    assert.match(failed.lastError ?? '', /binlog no longer holds position .*resync the pipe/);
    await world.client.resync(pipe);
    await world.client.waitForResync(pipe, 120_000);
    await expectStatus(world, pipe, 'Running');
    await world.root.query('UPDATE t SET v = -2 WHERE id <= 10');
    await waitCaughtUp(world, pipe, 60_000);
    await assertSameAsSource(world, dst(), 't', cols, ['id']);
  });
});
