import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestWorld, sleep, type RunningWorker } from './helpers/stack.js';
import { checksum, destinationImage, firstDifference, sourceImage } from './helpers/compare.js';
import { assertSameAsSource, expectStatus, waitCaughtUp } from './helpers/pipes.js';
import { recordAndReplay } from './helpers/histories.js';

/** The tables of this suite: plain, composite-keyed, and with a UTC timestamp. */
const TABLES = {
  customers: {
    key: ['id'],
    cols: ['id', 'name', 'email', 'balance', 'created', 'note'],
    ddl: `CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, email VARCHAR(200),
          balance DECIMAL(12,2) NOT NULL, created DATETIME(6) NOT NULL, note TEXT NULL) CHARSET utf8mb4`,
    fill: `INSERT INTO customers SELECT seq, CONCAT('customer ', seq, IF(seq % 97 = 0, ' 🚀', '')),
           CONCAT('c', seq, '@example.com'), seq * 1.25, TIMESTAMP('2024-01-01') + INTERVAL seq SECOND + INTERVAL seq MICROSECOND,
           IF(seq % 3 = 0, NULL, REPEAT('n', seq % 50)) FROM seq_1_to_12000`,
  },
  order_items: {
    key: ['order_id', 'line'],
    cols: ['order_id', 'line', 'sku', 'qty', 'price'],
    ddl: `CREATE TABLE order_items (order_id INT NOT NULL, line SMALLINT NOT NULL, sku VARCHAR(32) NOT NULL,
          qty INT NOT NULL, price DECIMAL(10,2) NOT NULL, PRIMARY KEY (order_id, line))`,
    fill: `INSERT INTO order_items SELECT o.seq, l.seq, CONCAT('sku-', o.seq * 10 + l.seq), l.seq, o.seq / 7
           FROM seq_1_to_4000 o CROSS JOIN seq_1_to_4 l`,
  },
  events: {
    key: ['id'],
    cols: ['id', 'kind', 'at', 'payload'],
    ddl: `CREATE TABLE events (id BIGINT UNSIGNED PRIMARY KEY, kind ENUM('click','view') NOT NULL,
          at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), payload JSON NULL)`,
    fill: `INSERT INTO events SELECT 18446744073709000000 + seq, IF(seq % 2, 'click', 'view'),
           TIMESTAMP('2024-06-01 12:00:00') + INTERVAL seq MINUTE, JSON_OBJECT('n', seq) FROM seq_1_to_3000`,
  },
} as const;
type TableName = keyof typeof TABLES;

describe('a pipe on the real stack', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  const pipe = `pipe-${Date.now()}`;
  const destDb = () => `dst_${world.id}`;

  const assertTablesEqual = async (tables: TableName[] = Object.keys(TABLES) as TableName[]) => {
    for (const t of tables) {
      const { cols, key } = TABLES[t];
      const src = await sourceImage(world.root, world.sourceDb, t, [...cols], [...key]);
      const dst = await destinationImage(world.destination(), destDb(), t, [...cols], [...key]);
      assert.equal(dst.length, src.length, `${t}: row count`);
      assert.equal(checksum(dst), checksum(src), `${t}: checksum over all columns; ${firstDifference(src, dst)}`);
    }
  };

  before(async () => {
    world = await TestWorld.create('pipe');
    for (const t of Object.values(TABLES)) {
      await world.root.query(t.ddl);
      await world.root.query(t.fill);
    }
    worker = await world.startWorker();
    await world.client.create(
      world.config({
        name: pipe,
        destination: { database: destDb() },
        tables: Object.keys(TABLES),
        settings: { snapshotRowsPerPartition: 2_500, snapshotParallelThreads: 3 },
      }),
    );
  });

  after(async () => {
    await world.client.drop(pipe).catch(() => undefined);
    await worker?.stop();
    await world?.close();
  });

  it('loads several tables that equal the source (row counts and a checksum over all columns)', async () => {
    const view = await expectStatus(world, pipe, 'Running', 120_000);
    await assertTablesEqual();
    const customers = view.tables.customers!.initialLoad;
    assert.equal(customers.rowsLoaded, 12_000);
    assert.ok(customers.chunksTotal > 1, 'the table was split into chunks');
    assert.equal(customers.chunksDone, customers.chunksTotal);
    assert.equal(view.tables.order_items!.initialLoad.rowsLoaded, 16_000);
    assert.equal(view.tables.events!.initialLoad.rowsLoaded, 3_000);
    assert.ok(customers.done && customers.startedAt);
    // The default load mode (auto): ClickHouse pulled the chunks it can read exactly itself.
    assert.equal(customers.chunksPulled, customers.chunksTotal, 'customers pulled');
    assert.equal(view.tables.order_items!.initialLoad.chunksPulled, view.tables.order_items!.initialLoad.chunksTotal, 'order_items pulled');
  });

  it('streams what ClickHouse cannot pull (it cannot reach the source here), without being asked', async () => {
    const other = `${pipe}-unreachable`;
    await world.client.create(
      world.config({ name: other, source: { addressForClickHouse: '127.0.0.1:1' }, destination: { database: `${destDb()}_b` }, tables: ['order_items'] }),
    );
    const view = await expectStatus(world, other, 'Running', 120_000);
    const load = view.tables.order_items!.initialLoad;
    assert.equal(load.rowsLoaded, 16_000);
    assert.equal(load.chunksPulled ?? 0, 0, 'every chunk streamed');
    const src = await sourceImage(world.root, world.sourceDb, 'order_items', [...TABLES.order_items.cols], [...TABLES.order_items.key]);
    const dst = await destinationImage(world.destination(), `${destDb()}_b`, 'order_items', [...TABLES.order_items.cols], [...TABLES.order_items.key]);
    assert.equal(checksum(dst), checksum(src));
    await world.client.drop(other);
  });

  it('applies CDC inserts, updates and deletes so that FINAL equals the source', async () => {
    await world.root.query(`INSERT INTO customers VALUES (20001, 'new 😀', NULL, 10.50, '2025-01-01 00:00:00.000001', 'x'),
                                                       (20002, 'newer', 'n@x', 0.01, '2025-01-02 00:00:00', NULL)`);
    await world.root.query(`UPDATE customers SET balance = balance + 1, note = 'updated' WHERE id BETWEEN 100 AND 199`);
    await world.root.query(`DELETE FROM customers WHERE id BETWEEN 500 AND 549`);
    // A key change on the composite key: old key deleted, new key live.
    await world.root.query(`UPDATE order_items SET line = 9 WHERE order_id = 7 AND line = 1`);
    await world.root.query(`DELETE FROM order_items WHERE order_id = 8`);
    await world.root.query(`INSERT INTO order_items VALUES (5000, 1, 'sku-new', 3, 9.99)`);
    // Several changes to one key inside one transaction: the last one wins.
    await world.root.beginTransaction();
    await world.root.query(`UPDATE events SET kind = 'view' WHERE id = 18446744073709000001`);
    await world.root.query(`UPDATE events SET payload = JSON_OBJECT('n', -1) WHERE id = 18446744073709000001`);
    await world.root.query(`DELETE FROM events WHERE id = 18446744073709000002`);
    await world.root.commit();

    const view = await waitCaughtUp(world, pipe);
    await assertTablesEqual();
    assert.deepEqual(view.tables.customers!.cdc, { inserted: 2, updated: 100, deleted: 50 });
    assert.deepEqual(view.tables.order_items!.cdc, { inserted: 1, updated: 1, deleted: 4 });
    assert.ok(view.cdc.batches >= 1 && view.cdc.lastBatchAt);
  });

  it('ends a CDC batch at pullBatchSize changes (at its transaction\'s end), and a large one once the binlog goes quiet, not at a long interval\'s end', async () => {
    await world.root.query('CREATE TABLE bursts (id INT PRIMARY KEY, v INT NOT NULL)');
    const other = `${pipe}-batches`;
    const db = `${destDb()}_c`;
    await world.client.create(
      world.config({ name: other, destination: { database: db }, tables: ['bursts'], settings: { syncIntervalSeconds: 600, pullBatchSize: 1_000 } }),
    );
    await expectStatus(world, other, 'Running', 120_000);
    const before = (await world.client.status(other)).cdc.batches;
    // Ten transactions of 1,500 rows, back to back: each fills a batch, which ends at its commit.
    for (let i = 0; i < 10; i++) await world.root.query(`INSERT INTO bursts SELECT seq, seq FROM seq_${i * 1_500 + 1}_to_${(i + 1) * 1_500}`);
    let view = await waitCaughtUp(world, other, 120_000);
    assert.equal(view.cdc.batches - before, 10, 'one batch a transaction');
    // 500 rows (a tenth of the batch size or more): written once the binlog is quiet, long before the interval's 600 s.
    await world.root.query('UPDATE bursts SET v = -v WHERE id <= 500');
    view = await waitCaughtUp(world, other, 120_000);
    assert.equal(view.cdc.batches - before, 11);
    assert.deepEqual(view.tables.bursts!.cdc, { inserted: 15_000, updated: 500, deleted: 0 });
    await assertSameAsSource(world, db, 'bursts', ['id', 'v'], ['id']);
    await world.client.drop(other);
  });

  it('keeps deleted rows as soft-deleted rows (_peerdb_is_deleted = 1)', async () => {
    const rows = await world.destination().query<{ id: number; deleted: number; n: string }>(
      `SELECT id, argMax(_peerdb_is_deleted, _peerdb_version) AS deleted, count() AS n
         FROM \`${destDb()}\`.customers WHERE id BETWEEN 500 AND 549 GROUP BY id ORDER BY id`,
    );
    assert.equal(rows.length, 50, 'every deleted key is still stored');
    assert.ok(rows.every((r) => Number(r.deleted) === 1), 'and its latest row is marked deleted');
    const moved = await world.destination().query<{ deleted: number }>(
      `SELECT _peerdb_is_deleted AS deleted FROM \`${destDb()}\`.order_items
        WHERE order_id = 7 AND line = 1 ORDER BY _peerdb_version DESC LIMIT 1`,
    );
    assert.equal(Number(moved[0]?.deleted), 1, 'the old key of a key-changing update is deleted');
  });

  it('pauses at a safe point and loses nothing on resume', async () => {
    await world.client.pause(pipe);
    await expectStatus(world, pipe, 'Paused', 30_000);
    const before = await destinationImage(world.destination(), destDb(), 'customers', ['id'], ['id']);
    await world.root.query(`INSERT INTO customers SELECT seq, 'while paused', NULL, 1, NOW(6), NULL FROM seq_30001_to_30500`);
    await world.root.query(`UPDATE customers SET name = 'changed while paused' WHERE id <= 50`);
    await sleep(3_000); // three sync intervals
    const during = await destinationImage(world.destination(), destDb(), 'customers', ['id'], ['id']);
    assert.equal(during.length, before.length, 'nothing is applied while paused');

    await world.client.resume(pipe);
    await waitCaughtUp(world, pipe);
    await assertTablesEqual();
  });

  it('drops at a safe point; its tables stay', async () => {
    await world.client.drop(pipe);
    await assert.rejects(world.client.status(pipe), /no running pipe named/);
    await recordAndReplay(`pipe:${pipe}`, 'pipe-lifecycle');
    const [row] = await world.destination().query<{ n: string }>(`SELECT count() AS n FROM \`${destDb()}\`.customers FINAL`);
    assert.ok(Number(row?.n) > 12_000);
  });
});
