import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from 'mysql2/promise';
import { TestWorld, sleep, type RunningWorker } from './helpers/stack.js';
import { assertSameAsSource, expectStatus, waitCaughtUp } from './helpers/pipes.js';
import { qualifiedChTable } from '../src/clickhouse/quote.js';
import type { Destination } from '../src/clickhouse/destination.js';
import { InsertBody } from '../src/clickhouse/insert-body.js';
import type { KeyDifference, TableValidation } from '../src/pipe/validation.js';

/**
 * Validation and repair against the real stack: a destination damaged on
 * purpose (a value changed in place, a row removed, a key that the source
 * never had, a live row left soft-deleted) is found key by key and column
 * by column, repaired, and validates clean again; a table whose key MySQL
 * and ClickHouse order differently (compared by buckets of a key hash); no
 * false difference under a live writer; a resync that checks its new table
 * before the swap and repairs it; a scheduled validation.
 */
describe('validation and repair', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  /** Rows of `shadowed` inserted into its `_resync` table that the fault injector drops. */
  let dropFromShadow: (id: number) => boolean = () => false;
  const pipe = 'checked';
  const dst = () => `dst_${world.id}`;
  const cols = ['id', 'v', 's', 'd', 'f', 'dt', 'j'];

  /** Drops chosen rows of the `_resync` table's inserts, as a faulty path would (the first column is the key). */
  function lossy(real: Destination): Destination {
    return {
      ...real,
      kind: real.kind,
      command: (sql, params) => real.command(sql, params),
      query: (sql, params) => real.query(sql, params),
      insert: (database, table, columns, rows, token) =>
        real.insert(database, table, columns, table === 'shadowed_resync' ? InsertBody.of(rows.lines().filter((r) => !dropFromShadow(Number(r.split('\t')[0])))) : rows, token),
      close: () => real.close(),
    };
  }

  const ch = (sql: string) => world.destination().command(sql);
  const keysOf = (v: TableValidation | undefined) =>
    (v?.differences ?? []).map((d: KeyDifference) => [d.key.map(String).join(','), d.kind, d.columns ?? []]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));

  before(async () => {
    world = await TestWorld.create('validation');
    await world.root.query(
      'CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(40), d DECIMAL(12,3), f DOUBLE, dt DATETIME(6), j JSON)',
    );
    await world.root.query(
      "INSERT INTO t SELECT seq, seq % 1000, CONCAT('row ', seq), seq / 7, seq / 3, TIMESTAMP('2024-01-01') + INTERVAL seq SECOND, JSON_OBJECT('n', seq) FROM seq_1_to_30000",
    );
    await world.root.query('CREATE TABLE u (code VARCHAR(20) PRIMARY KEY, n INT)');
    await world.root.query("INSERT INTO u SELECT CONCAT(IF(seq % 2, 'Key-', 'key_'), seq), seq FROM seq_1_to_5000");
    await world.root.query('CREATE TABLE shadowed (id INT PRIMARY KEY, v INT)');
    await world.root.query('INSERT INTO shadowed SELECT seq, seq FROM seq_1_to_5000');
    worker = await world.startWorker(lossy);
    await world.client.create(
      world.config({ name: pipe, destination: { database: dst() }, tables: ['t', 'u', 'shadowed'], settings: { snapshotRowsPerPartition: 5_000, loadMode: 'stream' } }),
    );
    await expectStatus(world, pipe, 'Running', 120_000);
  });

  after(async () => {
    await world.client.drop(pipe).catch(() => undefined);
    await worker?.stop();
    await world?.close();
  });

  it('a healthy copy validates clean, with every part compared', async () => {
    await world.root.query('UPDATE t SET v = v + 1 WHERE id % 97 = 0');
    await world.root.query('DELETE FROM t WHERE id % 101 = 0');
    const result = await world.client.validations.validate(pipe);
    assert.deepEqual(
      Object.fromEntries(Object.entries(result.tables).map(([t, v]) => [t, [v.rowsCompared, v.differingKeys]])),
      { t: [30_000 - 297, 0], u: [5_000, 0], shadowed: [5_000, 0] },
    );
    assert.ok((result.tables.t?.parts ?? 0) >= 6, 't is compared in the load chunks');
    const view = await world.client.status(pipe);
    assert.equal(view.tables.t?.validation?.differingKeys, 0, 'the status shows the last validation');
  });

  it('names exactly the keys and columns that differ; repair fixes them; validate is clean again', async () => {
    const t = qualifiedChTable(dst(), 't');
    await ch(`ALTER TABLE ${t} UPDATE v = 424242, s = 'changed' WHERE id = 5 SETTINGS mutations_sync = 2`);
    await ch(`ALTER TABLE ${t} DELETE WHERE id = 7 SETTINGS mutations_sync = 2`);
    await ch(`INSERT INTO ${t} (id, v, s, _peerdb_version, _peerdb_is_deleted) SELECT 999999, 1, 'never at the source', _peerdb_version, 0 FROM ${t} FINAL WHERE id = 1`);
    await ch(`INSERT INTO ${t} (id, v, s, d, f, dt, j, _peerdb_version, _peerdb_is_deleted) SELECT id, v, s, d, f, dt, j, _peerdb_version + 1, 1 FROM ${t} FINAL WHERE id = 9`);
    await ch(`ALTER TABLE ${qualifiedChTable(dst(), 'u')} UPDATE n = -1 WHERE code = 'key_10' SETTINGS mutations_sync = 2`);
    // Two rows of one part, alone there, changed alike: texts of one length, one digit
    // 1 → 2 at one offset (a linear row hash's changes cancel out of an XOR).
    await ch(`ALTER TABLE ${t} UPDATE v = v + 10 WHERE id IN (20013, 20014) SETTINGS mutations_sync = 2`);

    const found = await world.client.validations.validate(pipe);
    assert.deepEqual(keysOf(found.tables.t), [
      ['20013', 'different', ['v']],
      ['20014', 'different', ['v']],
      ['5', 'different', ['v', 's']],
      ['7', 'missing', []],
      ['9', 'missing', []],
      ['999999', 'extra', []],
    ]);
    assert.equal(found.tables.t?.differingKeys, 6);
    assert.deepEqual(keysOf(found.tables.u), [['key_10', 'different', ['n']]], 'a string key, compared by key-hash buckets');
    assert.equal(found.tables.shadowed?.differingKeys, 0);

    const repaired = await world.client.validations.repair(pipe);
    assert.equal(repaired.tables.t?.keysRepaired, 6);
    assert.equal(repaired.tables.u?.keysRepaired, 1);
    assert.equal(repaired.tables.t?.validation.differingKeys, 0, 'the repaired parts validate clean');

    const again = await world.client.validations.validate(pipe);
    assert.deepEqual(Object.values(again.tables).map((v) => v.differingKeys), [0, 0, 0]);
    await waitCaughtUp(world, pipe);
    await assertSameAsSource(world, dst(), 't', cols, ['id']);
    // (MySQL orders these keys by their collation, ClickHouse by bytes: compared as sets.)
    const [src] = await world.root.query<RowDataPacket[]>('SELECT code, n FROM u');
    const got = await world.destination().query<{ code: string; n: number }>(`SELECT code, n FROM ${qualifiedChTable(dst(), 'u')} FINAL`);
    const rows = (list: { code: string; n: number }[]) => list.map((r) => `${r.code}=${r.n}`).sort();
    assert.deepEqual(rows(got), rows(src as { code: string; n: number }[]));
    // Later changes of repaired keys still win over the repair's rows.
    await world.root.query("UPDATE t SET v = 1 WHERE id IN (5, 9)");
    await world.root.query('DELETE FROM t WHERE id = 7');
    await waitCaughtUp(world, pipe);
    await assertSameAsSource(world, dst(), 't', cols, ['id']);
  });

  it('finds no difference while a writer changes the table thousands of times a second', async () => {
    let writing = true;
    let changes = 0;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        const id = 1 + ((i * 7919) % 30_000);
        const sql = [
          `UPDATE t SET v = v + 1, s = CONCAT('w', ${i}) WHERE id BETWEEN ${id} AND ${id + 40}`,
          `DELETE FROM t WHERE id = ${id + 41}`,
          `INSERT INTO t (id, v) VALUES (${id + 41}, ${i}) ON DUPLICATE KEY UPDATE v = ${i}`,
        ];
        for (const q of sql) await world.root.query(q);
        changes += 43;
      }
    })();
    await sleep(1_000);
    try {
      const result = await world.client.validations.validate(pipe, { tables: ['t'] });
      assert.equal(result.tables.t?.differingKeys, 0, JSON.stringify(result.tables.t?.differences.slice(0, 5)));
    } finally {
      writing = false;
      await writer;
    }
    assert.ok(changes > 5_000, `the writer made ${changes} changes meanwhile`);
    await waitCaughtUp(world, pipe);
    await assertSameAsSource(world, dst(), 't', cols, ['id']);
  });

  it("a resync validates each new table before its swap, and repairs what differs", async () => {
    // The path into the `_resync` table loses a row: the check before the swap finds it missing.
    const lost = new Set([17]);
    dropFromShadow = (id) => {
      if (!lost.has(id)) return false;
      lost.delete(id);
      return true;
    };
    await world.root.query('UPDATE shadowed SET v = -v WHERE id % 10 = 0');
    await world.client.resync(pipe, { tables: ['shadowed'] });
    await world.client.waitForResync(pipe, 120_000, undefined, ['shadowed']);
    assert.equal(lost.size, 0, 'the row was dropped on its way');
    const view = await world.client.status(pipe);
    assert.match(view.tables.shadowed?.validation?.by ?? '', /^resync:/);
    assert.equal(view.tables.shadowed?.validation?.repairedKeys, 1);
    assert.equal(view.tables.shadowed?.validation?.differingKeys, 0);
    await waitCaughtUp(world, pipe);
    await assertSameAsSource(world, dst(), 'shadowed', ['id', 'v'], ['id']);
  });

  it('a resync whose new table still differs after the repair stops, and leaves the live table in service', async () => {
    dropFromShadow = (id) => id === 23;
    await world.client.resync(pipe, { tables: ['shadowed'] });
    await assert.rejects(world.client.waitForResync(pipe, 120_000, undefined, ['shadowed']), /shadowed.*differs from the source after a repair: 1 keys? \(23 missing/);
    await world.root.query('UPDATE shadowed SET v = 0 WHERE id = 23');
    await waitCaughtUp(world, pipe);
    await assertSameAsSource(world, dst(), 'shadowed', ['id', 'v'], ['id']);
    // The fault gone, resume retries the check: repaired and swapped in.
    dropFromShadow = () => false;
    await world.client.resume(pipe);
    await world.client.waitForResync(pipe, 120_000, undefined, ['shadowed']);
    await waitCaughtUp(world, pipe);
    await assertSameAsSource(world, dst(), 'shadowed', ['id', 'v'], ['id']);
  });

  it('validates on a schedule (a Temporal Schedule), until turned off', async () => {
    const before = (await world.client.status(pipe)).tables.u?.validation?.at ?? '';
    const id = await world.client.validations.schedule(pipe, '24h', { tables: ['u'] });
    const schedule = world.client.temporal.schedule.getHandle(id);
    assert.equal((await schedule.describe()).action.type, 'startWorkflow');
    await schedule.trigger();
    const deadline = Date.now() + 60_000;
    let v: TableValidation | undefined;
    while (!((v = (await world.client.status(pipe)).tables.u?.validation) && v.at > before && v.by.startsWith('validate:')) && Date.now() < deadline) await sleep(500);
    assert.ok(v && v.at > before, 'the scheduled validation ran');
    assert.equal(v.differingKeys, 0);
    await world.client.validations.unschedule(pipe);
    await assert.rejects(schedule.describe(), /not found/i);
  });
});
