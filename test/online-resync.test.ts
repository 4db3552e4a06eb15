import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestWorld, sleep, type RunningWorker } from './helpers/stack.js';
import { assertSameAsSource, expectStatus, pollStatus, waitCaughtUp } from './helpers/pipes.js';
import { qualifiedChTable } from '../src/clickhouse/quote.js';
import type { PipeStatusView, TableState } from '../src/pipe/status.js';

/**
 * Resync without downtime: while the new tables load, CDC keeps applying
 * every change to the live tables (and, from each shadow's start, to the
 * shadows); one table or all; a table's definition changed during its load
 * restarts that table's load.
 */
describe('online resync', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  const dst = () => `dst_${world.id}`;
  const tables = ['a', 'b', 'c'];
  const cols = ['id', 'v', 'note'];
  const pipe = 'online';
  const liveRows = async (table: string, where: string) =>
    Number((await world.destination().query<{ rows: string }>(`SELECT count() AS rows FROM ${qualifiedChTable(dst(), table)} FINAL WHERE ${where}`))[0]?.rows);

  /** Changes every table until stopped (inserting keys from `base` on). */
  function writer(base: number) {
    let writing = true;
    const done = (async () => {
      for (let i = 0; writing; i++) {
        for (const t of tables) {
          await world.root.query(`UPDATE ${t} SET v = v + 1 WHERE id = ${1 + (i % 500)}`);
          await world.root.query(`INSERT INTO ${t} (id, v) VALUES (${base + i}, ${i})`);
          if (i % 4 === 0) await world.root.query(`DELETE FROM ${t} WHERE id = ${base + i - 2}`);
        }
        await sleep(30);
      }
    })();
    return async () => {
      writing = false;
      await done;
    };
  }

  async function assertAllEqual() {
    await waitCaughtUp(world, pipe, 60_000);
    for (const t of tables) {
      await assertSameAsSource(world, dst(), t, cols, ['id']);
      // No key with two live rows.
      const [dup] = await world.destination().query<{ rows: string }>(
        `SELECT count() AS rows FROM (SELECT id FROM ${qualifiedChTable(dst(), t)} FINAL WHERE _peerdb_is_deleted = 0 GROUP BY id HAVING count() > 1)`,
      );
      assert.equal(Number(dup?.rows), 0, `${t}: a key with two live rows`);
    }
  }

  before(async () => {
    world = await TestWorld.create('online');
    for (const t of tables) {
      await world.root.query(`CREATE TABLE ${t} (id INT PRIMARY KEY, v INT NOT NULL, note VARCHAR(20))`);
      await world.root.query(`INSERT INTO ${t} SELECT seq, seq, 'x' FROM seq_1_to_${t === 'a' ? 30000 : 3000}`);
    }
    worker = await world.startWorker();
    await world.client.create(world.config({ name: pipe, destination: { database: dst() }, tables, settings: { snapshotRowsPerPartition: 2000 } }));
    await expectStatus(world, pipe, 'Running', 60_000);
  });

  after(async () => {
    await world.client.drop(pipe).catch(() => undefined);
    await worker?.stop();
    await world?.close();
  });

  it('a whole-pipe resync under a writer: every table keeps receiving changes during the load, the statuses of a resync, then equal', async (t) => {
    const stop = writer(100_000);
    // (A writer left running after a failure would fail the tests after this one.)
    t.after(stop);
    await sleep(1_000);
    // A slow load, so that much happens while it runs.
    await world.client.resync(pipe, { maxRowsPerSecond: 4_000 });
    const loading = await expectStatus(world, pipe, 'Snapshot', 30_000);
    // While the new tables load, a change to each table reaches ClickHouse.
    await world.root.query(`INSERT INTO a VALUES (900001, 1, 'marker')`);
    await world.root.query(`INSERT INTO c VALUES (900001, 1, 'marker')`);
    for (const t of ['a', 'c']) {
      while ((await liveRows(t, "note = 'marker'")) === 0) await sleep(200);
    }
    // A batch is counted in the status once the workflow has its result, a moment after its rows are in ClickHouse.
    const moved = (view: PipeStatusView) => tables.filter((t) => (view.tables[t]?.cdc.inserted ?? 0) > (loading.tables[t]?.cdc.inserted ?? 0));
    const { view: during } = await pollStatus(world, pipe, (v) => moved(v).length === tables.length, 30_000);
    assert.deepEqual(moved(during), tables, 'CDC counters moved during the load');
    assert.equal(during.status, 'Snapshot', 'the markers arrived, and were counted, while the new tables were still loading');
    const result = await world.client.waitForResync(pipe, 180_000);
    await stop();
    assert.deepEqual(Object.values(result.tables).map((r) => r.swap), ['exchanged', 'exchanged', 'exchanged']);
    const after = await world.client.status(pipe);
    assert.deepEqual(after.recentStatuses.map((s) => s.status).slice(0, 4), ['Setup', 'Snapshot', 'Resync', 'Running']);
    await assertAllEqual();
  });

  it('a resync of one table: the others keep receiving changes and keep their statistics', async (t) => {
    const before = await world.client.status(pipe);
    const stop = writer(200_000);
    t.after(stop);
    await world.client.resync(pipe, { tables: ['a'], maxRowsPerSecond: 5_000 });
    const states = new Set<TableState | undefined>();
    let seen: PipeStatusView | null = null;
    for (let i = 0; i < 200; i++) {
      seen = await world.client.status(pipe);
      states.add(seen.tables.a?.state);
      if (seen.tables.a?.state === 'Loading' && (seen.tables.b?.cdc.inserted ?? 0) > (before.tables.b?.cdc.inserted ?? 0) + 5) break;
      await sleep(100);
    }
    assert.equal(seen?.status, 'Running', 'the pipe stays Running');
    assert.ok(states.has('Loading'), `table a showed Loading: ${[...states].join(', ')}`);
    // A second resync of the same table is refused; one of another table may run at once.
    await assert.rejects(
      (async () => {
        await world.client.resync(pipe, { tables: ['a', 'b'] });
        await world.client.waitForResync(pipe, 30_000, undefined, ['a', 'b']);
      })(),
      /table "a" is already being resynced/,
    );
    await world.client.resync(pipe, { tables: ['c'] });
    await world.client.waitForResync(pipe, 120_000, undefined, ['c']);
    await world.client.waitForResync(pipe, 120_000, undefined, ['a']);
    await stop();
    const after = await world.client.status(pipe);
    for (const t of tables) assert.equal(after.tables[t]?.state ?? 'Live', 'Live', `${t} is Live again`);
    // The other table's statistics were kept; the resynced ones' started afresh.
    assert.ok((after.tables.b?.cdc.inserted ?? 0) >= (before.tables.b?.cdc.inserted ?? 0), 'b kept its counters');
    assert.equal(after.tables.b?.initialLoad.startedAt, before.tables.b?.initialLoad.startedAt);
    assert.notEqual(after.tables.a?.initialLoad.startedAt, before.tables.a?.initialLoad.startedAt);
    await assertAllEqual();
  });

  it('ADD COLUMN and DROP COLUMN during a table\'s resync restart its load; nothing in a wrong column; the table loaded with it is kept', async () => {
    // (c is loaded in the same group as a, and ends first.)
    await world.client.resync(pipe, { tables: ['a', 'c'], maxRowsPerSecond: 3_000 });
    await sleep(2_000);
    await world.root.query("ALTER TABLE a ADD COLUMN extra VARCHAR(10) NOT NULL DEFAULT 'd' AFTER id");
    await world.root.query("UPDATE a SET extra = 'changed' WHERE id <= 100");
    await sleep(2_000);
    await world.root.query('ALTER TABLE a DROP COLUMN note');
    await world.root.query('UPDATE a SET v = v + 1 WHERE id <= 200');
    const result = await world.client.waitForResync(pipe, 180_000, undefined, ['a', 'c']);
    assert.equal(result.tables.c?.swap, 'exchanged');
    await waitCaughtUp(world, pipe, 60_000);
    await assertSameAsSource(world, dst(), 'a', ['id', 'extra', 'v'], ['id']);
    await assertSameAsSource(world, dst(), 'c', cols, ['id']);
    const view = await world.client.status(pipe);
    assert.equal(view.tables.a?.state ?? 'Live', 'Live');
    assert.equal(view.tables.c?.state ?? 'Live', 'Live');
  });
});
