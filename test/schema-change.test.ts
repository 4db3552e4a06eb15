import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from 'mysql2/promise';
import { TestWorld, type RunningWorker } from './helpers/stack.js';
import { expectStatus, waitCaughtUp } from './helpers/pipes.js';
import { qualifiedChTable } from '../src/clickhouse/quote.js';

/**
 * Source DDL while a pipe runs. The binlog trap: events written before an
 * ALTER and read after it must be decoded with the columns they were written
 * with, or values land in the wrong columns. A pipe paused across the ALTERs
 * reads old and new events after them.
 */
describe('schema changes at the source while the pipe runs', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  const pipe = 'ddl';
  const dst = () => `dst_${world.id}`;

  before(async () => {
    world = await TestWorld.create('ddl');
    await world.root.query('CREATE TABLE t (id INT PRIMARY KEY, a INT NOT NULL, b VARCHAR(20) NOT NULL, n INT NULL, d DATE NOT NULL)');
    await world.root.query("INSERT INTO t SELECT seq, seq * 10, CONCAT('b', seq), seq, '2024-01-01' + INTERVAL seq DAY FROM seq_1_to_100");
    worker = await world.startWorker();
    await world.client.create(world.config({ name: pipe, destination: { database: dst() }, tables: ['t'], settings: { syncIntervalSeconds: 1 } }));
    await expectStatus(world, pipe, 'Running', 120_000);
  });

  after(async () => {
    await world.client.drop(pipe).catch(() => undefined);
    await worker?.stop();
    await world?.close();
  });

  it('puts no value in the wrong column across ADD and DROP COLUMN', async () => {
    await world.client.pause(pipe);
    await expectStatus(world, pipe, 'Paused');
    // Old-schema events, then a column added in front of the others, then
    // dropped columns: all read after the last ALTER.
    await world.root.query("INSERT INTO t VALUES (101, 1010, 'b101', 101, '2025-01-01')");
    await world.root.query('UPDATE t SET a = a + 1 WHERE id <= 10');
    await world.root.query('ALTER TABLE t ADD COLUMN x INT NOT NULL DEFAULT 7 AFTER id');
    await world.root.query("INSERT INTO t (id, x, a, b, n, d) VALUES (102, 99, 1020, 'b102', 102, '2025-01-02')");
    await world.root.query('UPDATE t SET a = a + 1, x = 5 WHERE id BETWEEN 11 AND 20');
    await world.root.query('ALTER TABLE t DROP COLUMN b, DROP COLUMN n');
    await world.root.query("INSERT INTO t (id, x, a, d) VALUES (103, 98, 1030, '2025-01-03')");
    await world.root.query('UPDATE t SET a = a + 1 WHERE id BETWEEN 21 AND 30');
    await world.root.query('DELETE FROM t WHERE id = 50');
    await world.client.resume(pipe);
    await waitCaughtUp(world, pipe, 120_000);

    const [src] = await world.root.query<RowDataPacket[]>('SELECT id, a, DATE_FORMAT(d, "%Y-%m-%d") AS d FROM t ORDER BY id');
    const got = await world.destination().query<{ id: number; a: number; b: string; n: number | null; d: string }>(
      `SELECT id, a, b, n, toString(d) AS d FROM ${qualifiedChTable(dst(), 't')} FINAL ORDER BY id`,
    );
    // Columns the source still has: equal, row for row.
    assert.deepEqual(
      got.map((r) => [Number(r.id), Number(r.a), r.d]),
      src.map((r) => [Number(r.id), Number(r.a), String(r.d)]),
    );
    // Dropped columns keep the values written before the drop; rows changed
    // after it hold NULL, or the type's zero where the column is NOT NULL.
    const byId = new Map(got.map((r) => [Number(r.id), r]));
    assert.deepEqual([byId.get(5)?.b, byId.get(5)?.n], ['b5', 5]);
    assert.deepEqual([byId.get(15)?.b, byId.get(15)?.n], ['b15', 15]);
    assert.deepEqual([byId.get(102)?.b, byId.get(102)?.n], ['b102', 102]);
    assert.deepEqual([byId.get(25)?.b, byId.get(25)?.n], ['', null]);
    assert.deepEqual([byId.get(103)?.b, byId.get(103)?.n], ['', null]);
  });

  it('a resync picks up the new schema', async () => {
    await world.client.resync(pipe);
    await world.client.waitForResync(pipe, 120_000);
    await expectStatus(world, pipe, 'Running');
    const cols = await world.destination().query<{ name: string }>(
      `SELECT name FROM system.columns WHERE database = {db:String} AND table = 't' AND name NOT LIKE '\\_peerdb%' ORDER BY position`,
      { db: dst() },
    );
    assert.deepEqual(
      cols.map((c) => c.name),
      ['id', 'x', 'a', 'd'],
    );
    const [[src]] = await world.root.query<RowDataPacket[]>('SELECT SUM(x) AS x, SUM(a) AS a, COUNT(*) AS n FROM t');
    const [dstSum] = await world.destination().query<{ x: string; a: string; n: string }>(
      `SELECT sum(x) AS x, sum(a) AS a, count() AS n FROM ${qualifiedChTable(dst(), 't')} FINAL`,
    );
    assert.deepEqual([dstSum?.x, dstSum?.a, dstSum?.n].map(Number), [src?.x, src?.a, src?.n].map(Number));
  });

  it('stops with a clear error on a partial row image, and a resync recovers', async () => {
    await world.root.query('SET SESSION binlog_row_image = MINIMAL');
    await world.root.query('UPDATE t SET a = a + 1 WHERE id = 1');
    await world.root.query('SET SESSION binlog_row_image = FULL');
    const failed = await expectStatus(world, pipe, 'Failed', 60_000);
    assert.match(failed.lastError ?? '', /partial row image for table "t".*binlog_row_image=FULL.*resync/);
    await world.root.query('UPDATE t SET a = a + 1 WHERE id = 2');
    await world.client.resync(pipe);
    await world.client.waitForResync(pipe, 120_000);
    await expectStatus(world, pipe, 'Running');
    await world.root.query('UPDATE t SET a = a + 1 WHERE id = 3');
    await waitCaughtUp(world, pipe, 60_000);
    const [src] = await world.root.query<RowDataPacket[]>('SELECT id, a FROM t ORDER BY id');
    const got = await world.destination().query<{ id: number; a: number }>(`SELECT id, a FROM ${qualifiedChTable(dst(), 't')} FINAL ORDER BY id`);
    assert.deepEqual(
      got.map((r) => [Number(r.id), Number(r.a)]),
      src.map((r) => [Number(r.id), Number(r.a)]),
    );
  });
});
