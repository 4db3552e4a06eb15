import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestWorld, sleep, type RunningWorker } from './helpers/stack.js';
import { assertSameAsSource, expectStatus, waitCaughtUp, waitForRetries } from './helpers/pipes.js';
import type { Destination } from '../src/clickhouse/destination.js';
import { qualifiedChTable } from '../src/clickhouse/quote.js';

/**
 * A pipe that cannot go on says so (Failed, with the message) instead of
 * retrying for ever as Running; a resync rescues it; a drop drops; a pipe
 * created again over the tables of an earlier one starts from fresh tables.
 */
describe('failing visibly, and recovering', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  /** Inserts into these tables fail with this error while it is set. */
  const faults = new Map<string, Error>();
  const dst = (suffix: string) => `dst_${world.id}_${suffix}`;

  before(async () => {
    world = await TestWorld.create('recover');
    for (const t of ['gone', 'odd', 'stuck', 'slow', 'again']) {
      await world.root.query(`CREATE TABLE ${t} (id INT PRIMARY KEY, v INT NOT NULL)`);
      await world.root.query(`INSERT INTO ${t} SELECT seq, seq FROM seq_1_to_${t === 'slow' ? 20000 : 1000}`);
    }
    worker = await world.startWorker(
      (d): Destination => ({
        ...d,
        kind: d.kind,
        command: (sql, params) => d.command(sql, params),
        query: (sql, params) => d.query(sql, params),
        close: () => d.close(),
        async insert(database, table, columns, rows, token) {
          const fault = faults.get(table);
          if (fault) throw fault;
          return d.insert(database, table, columns, rows, token);
        },
      }),
    );
  });

  after(async () => {
    await worker?.stop();
    await world?.close();
  });

  it('a destination table dropped by hand fails the pipe at once with the reason; a resync brings it back', async () => {
    const pipe = 'gone';
    await world.client.create(world.config({ name: pipe, destination: { database: dst('g') }, tables: ['gone'] }));
    await expectStatus(world, pipe, 'Running', 30_000);
    await world.destination().command(`DROP TABLE ${qualifiedChTable(dst('g'), 'gone')}`);
    await world.root.query('UPDATE gone SET v = v + 1 WHERE id <= 10');
    const failed = await expectStatus(world, pipe, 'Failed', 30_000);
    assert.match(failed.lastError ?? '', /UNKNOWN_TABLE|Unknown table/);
    await world.client.resync(pipe);
    await world.client.waitForResync(pipe, 60_000);
    await waitCaughtUp(world, pipe);
    await assertSameAsSource(world, dst('g'), 'gone', ['id', 'v'], ['id']);
    await world.client.drop(pipe);
  });

  it('the same unknown failure over and over ends as Failed; resume retries', async () => {
    const pipe = 'odd';
    await world.client.create(world.config({ name: pipe, destination: { database: dst('o') }, tables: ['odd'] }));
    await expectStatus(world, pipe, 'Running', 30_000);
    faults.set('odd', new Error('std::exception. Code: 1001, type: std::runtime_error, e.what() = odd (injected)'));
    await world.root.query('UPDATE odd SET v = v + 1 WHERE id <= 10');
    const failed = await expectStatus(world, pipe, 'Failed', 90_000);
    assert.match(failed.lastError ?? '', /odd \(injected\) \(pullChanges failed 6 times in a row with this error; fix the cause, then resume\)/);
    faults.delete('odd');
    await world.client.resume(pipe);
    await expectStatus(world, pipe, 'Running', 30_000);
    await waitCaughtUp(world, pipe);
    await assertSameAsSource(world, dst('o'), 'odd', ['id', 'v'], ['id']);
    await world.client.drop(pipe);
  });

  it('a resync rescues a pipe whose CDC cannot proceed', async () => {
    const pipe = 'stuck';
    await world.client.create(world.config({ name: pipe, destination: { database: dst('s') }, tables: ['stuck'] }));
    await expectStatus(world, pipe, 'Running', 30_000);
    // A fault retried without limit: the pipe stays Running, its batches failing.
    faults.set('stuck', new Error('Code: 241. DB::Exception: Memory limit exceeded (injected)'));
    await world.root.query('DELETE FROM stuck WHERE id <= 10');
    await waitForRetries(world, pipe, 2);
    await world.client.resync(pipe);
    // The drain gives way to the failing batches: the resync goes through (no endless drain).
    await world.client.waitForResync(pipe, 60_000);
    const view = await world.client.status(pipe);
    assert.deepEqual(view.recentStatuses.map((s) => s.status), ['Setup', 'Snapshot', 'Resync', 'Running']);
    faults.delete('stuck');
    await world.root.query('UPDATE stuck SET v = 0 WHERE id = 500');
    await waitCaughtUp(world, pipe);
    await assertSameAsSource(world, dst('s'), 'stuck', ['id', 'v'], ['id']);
    await world.client.drop(pipe);
  });

  it('a drop during a resync drops: the pipe does not come back', async () => {
    const pipe = 'slow';
    await world.client.create(world.config({ name: pipe, destination: { database: dst('l') }, tables: ['slow'] }));
    await expectStatus(world, pipe, 'Running', 30_000);
    await world.client.resync(pipe, { maxRowsPerSecond: 2_000 });
    await expectStatus(world, pipe, 'Snapshot', 30_000);
    await world.client.drop(pipe);
    await sleep(3_000);
    await assert.rejects(world.client.status(pipe), /no running pipe named "slow"/);
  });

  it('a drop during an offline resync drops too: nothing starts the pipe again', async () => {
    const pipe = 'slow-offline';
    await world.client.create(world.config({ name: pipe, destination: { database: dst('lo') }, tables: ['slow'] }));
    await expectStatus(world, pipe, 'Running', 30_000);
    await world.client.resync(pipe, { mode: 'offline', maxRowsPerSecond: 2_000 });
    await expectStatus(world, pipe, 'Snapshot', 30_000);
    await world.client.drop(pipe);
    await sleep(3_000);
    await assert.rejects(world.client.status(pipe), /no running pipe named "slow-offline"/);
  });

  it('a pipe created again over the tables of an earlier one loads fresh tables: no stale rows, the new schema and ORDER BY', async () => {
    const pipe = 'again';
    const db = dst('a');
    await world.client.create(world.config({ name: pipe, destination: { database: db }, tables: ['again'] }));
    await expectStatus(world, pipe, 'Running', 30_000);
    await world.client.drop(pipe);
    // While no pipe runs: deletes, a new column.
    await world.root.query('DELETE FROM again WHERE id <= 100');
    await world.root.query('ALTER TABLE again ADD COLUMN extra INT NOT NULL DEFAULT 7');
    await world.client.create(world.config({ name: pipe, destination: { database: db }, tables: [{ name: 'again', orderBy: ['v', 'id'] }] }));
    await expectStatus(world, pipe, 'Running', 30_000);
    await assertSameAsSource(world, db, 'again', ['id', 'v', 'extra'], ['id']);
    const [ddl] = await world.destination().query<{ statement: string }>(`SHOW CREATE TABLE ${qualifiedChTable(db, 'again')}`);
    assert.match(ddl!.statement, /ORDER BY \(v, id\)/);
    const [left] = await world.destination().query<{ rows: string }>(
      `SELECT count() AS rows FROM system.tables WHERE database = {db:String} AND name LIKE '%\\_resync'`,
      { db },
    );
    assert.equal(Number(left?.rows), 0);
    await world.root.query('UPDATE again SET extra = 8 WHERE id = 500');
    await waitCaughtUp(world, pipe);
    await assertSameAsSource(world, db, 'again', ['id', 'v', 'extra'], ['id']);
    await world.client.drop(pipe);
  });
});
