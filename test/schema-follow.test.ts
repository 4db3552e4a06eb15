import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from 'mysql2/promise';
import { TestWorld, sleep, type RunningWorker } from './helpers/stack.js';
import { assertSameAsSource, expectStatus, waitCaughtUp, waitForReload, waitForTableState } from './helpers/pipes.js';
import { qualifiedChTable } from '../src/clickhouse/quote.js';

/**
 * Schema changes at the source, followed while the pipe runs under a live
 * writer: each change reaches ClickHouse before the first row written with
 * the new shape, no value lands in a wrong column, and each table ends equal
 * to the source by a checksum over all its columns (the new ones included).
 */
describe('schema changes followed while the pipe runs', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  const pipe = 'follow';
  const dst = () => `dst_${world.id}`;
  const q = (sql: string) => world.root.query(sql);
  const columnsOf = async (table: string) => {
    const [rows] = await world.root.query<RowDataPacket[]>(
      'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [world.sourceDb, table],
    );
    return rows.map((r) => String(r.name));
  };
  const assertEqual = async (table: string) => assertSameAsSource(world, dst(), table, await columnsOf(table), ['id']);
  const chColumns = async (table: string) =>
    (
      await world.destination().query<{ name: string; type: string }>(
        "SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String} AND name NOT LIKE '\\_peerdb%' ORDER BY position",
        { db: dst(), t: table },
      )
    ).map((c) => `${c.name} ${c.type}`);

  /** Writes to `table` until stopped (the DDL happens under it); `hold` runs work while it waits, as a table lock would make it. */
  function writer(table: string, base: number) {
    let writing = true;
    let held: Promise<unknown> = Promise.resolve();
    const done = (async () => {
      for (let i = 0; writing; i++) {
        await held;
        await q(`UPDATE ${table} SET v = v + 1 WHERE id = ${1 + (i % 50)}`);
        await q(`INSERT INTO ${table} (id, v) VALUES (${base + i}, ${i})`);
        if (i % 7 === 0) await q(`DELETE FROM ${table} WHERE id = ${base + i - 3}`);
        await sleep(10);
      }
    })();
    return {
      stop: async () => {
        writing = false;
        await done;
      },
      hold: async (work: () => Promise<void>) => {
        const running = sleep(50).then(work);
        held = running.catch(() => undefined);
        await running;
      },
    };
  }

  before(async () => {
    world = await TestWorld.create('follow');
    const tables = ['adds', 'drops', 'renames', 'widens', 'narrows', 'rekeyed', 'truncs', 'parts', 'parts_drop', 'parts_swap', 'cut', 'osc', 'gone', 'busy'];
    for (const t of tables) {
      const extra = t.startsWith('parts') ? ' PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (100), PARTITION p1 VALUES LESS THAN MAXVALUE)' : '';
      await q(`CREATE TABLE ${t} (id INT NOT NULL, v INT NOT NULL, owner VARCHAR(10) DEFAULT 'o', d DECIMAL(8,2) DEFAULT 1.5, f FLOAT DEFAULT 0.5, e ENUM('a','b') DEFAULT 'a', PRIMARY KEY (id))${extra}`);
      await q(`INSERT INTO ${t} (id, v, owner) SELECT seq, seq, CONCAT('o', seq) FROM seq_1_to_200`);
    }
    worker = await world.startWorker();
    await world.client.create(world.config({ name: pipe, destination: { database: dst() }, tables }));
    await expectStatus(world, pipe, 'Running', 60_000);
  });

  after(async () => {
    await world.client.drop(pipe).catch(() => undefined);
    await worker?.stop();
    await world?.close();
  });

  it('ADD COLUMN: last, FIRST, AFTER, with and without DEFAULT, several in one statement; earlier rows get the default', async () => {
    const { stop } = writer('adds', 10_000);
    await q("ALTER TABLE adds ADD COLUMN tail INT, ADD COLUMN head VARCHAR(5) NOT NULL DEFAULT 'h' FIRST, ADD COLUMN mid DECIMAL(6,2) DEFAULT 2.25 AFTER v");
    await q('ALTER TABLE adds ADD COLUMN (c1 INT NOT NULL DEFAULT 7, c2 DATETIME(3) DEFAULT \'2024-02-29 12:00:00.5\')');
    await q("UPDATE adds SET tail = 3, head = 'x', mid = 9.5, c1 = 8 WHERE id <= 10");
    await stop();
    await waitCaughtUp(world, pipe);
    await assertEqual('adds');
    assert.deepEqual((await chColumns('adds')).slice(0, 4), ['head String', 'id Int32', 'v Int32', 'mid Nullable(Decimal(6, 2))']);
    const view = await world.client.status(pipe);
    assert.ok(view.schemaChanges?.some((c) => c.table === 'adds' && /added column mid Nullable\(Decimal\(6, 2\)\) DEFAULT 2\.25/.test(c.action)));
  });

  it('DROP COLUMN keeps the ClickHouse column (NULL from then on); RENAME and CHANGE rename it', async () => {
    await q('ALTER TABLE drops DROP COLUMN owner');
    await q('UPDATE drops SET v = v + 1 WHERE id <= 5');
    await q('ALTER TABLE renames RENAME COLUMN owner TO holder');
    await q('ALTER TABLE renames CHANGE d amount DECIMAL(8,2) DEFAULT 1.5');
    await q("UPDATE renames SET holder = 'new', amount = 3 WHERE id <= 5");
    await waitCaughtUp(world, pipe);
    await assertEqual('drops');
    await assertEqual('renames');
    const [kept] = await world.destination().query<{ owner: string | null }>(`SELECT owner FROM ${qualifiedChTable(dst(), 'drops')} FINAL WHERE id = 1`);
    assert.equal(kept?.owner, null, 'a row written after the drop holds NULL');
    assert.ok((await chColumns('renames')).includes('holder Nullable(String)'));
  });

  it('widening type changes are applied; other changes stop only that table', async () => {
    await q('ALTER TABLE widens MODIFY v BIGINT NOT NULL, MODIFY owner VARCHAR(50), MODIFY d DECIMAL(12,2), MODIFY f DOUBLE, MODIFY e ENUM(\'a\',\'b\',\'c\')');
    await q("INSERT INTO widens (id, v, owner, d, f, e) VALUES (1000, 9000000000, REPEAT('w', 40), 9999999999.99, 0.1, 'c')");
    await q('ALTER TABLE narrows MODIFY v VARCHAR(20) NOT NULL');
    await q("INSERT INTO narrows (id, v) VALUES (1000, 'text')");
    assert.match(await waitForTableState(world, pipe, 'narrows', 'NeedsResync'), /column "v" is now varchar\(20\)/);
    await waitCaughtUp(world, pipe);
    await assertEqual('widens');
    assert.ok((await chColumns('widens')).includes('v Int64'));
  });

  it('a primary key changed stops only that table; a resync of the table brings it back', async () => {
    await q('ALTER TABLE rekeyed DROP PRIMARY KEY, ADD PRIMARY KEY (id, v)');
    await q('INSERT INTO rekeyed (id, v) VALUES (1, 1000)');
    await q('INSERT INTO busy (id, v) VALUES (6000, 1)');
    assert.match(await waitForTableState(world, pipe, 'rekeyed', 'NeedsResync'), /its primary key changed/);
    await waitCaughtUp(world, pipe);
    await assertEqual('busy');
    await world.client.resync(pipe, { tables: ['rekeyed'] });
    await world.client.waitForResync(pipe, 120_000, undefined, ['rekeyed']);
    await waitCaughtUp(world, pipe);
    await assertSameAsSource(world, dst(), 'rekeyed', await columnsOf('rekeyed'), ['id', 'v']);
  });

  it('TRUNCATE writes every row as deleted; partitions truncated, dropped or exchanged reload the table; DROP TABLE stops it', async () => {
    await q('TRUNCATE TABLE truncs');
    await q('INSERT INTO truncs (id, v) VALUES (1, 1)');
    await q('ALTER TABLE parts TRUNCATE PARTITION p0');
    await q('ALTER TABLE parts_drop DROP PARTITION p0');
    await q('CREATE TABLE parts_in LIKE parts_swap');
    await q('ALTER TABLE parts_in REMOVE PARTITIONING');
    await q('INSERT INTO parts_in (id, v, owner) SELECT seq, seq * 3, \'swapped in\' FROM seq_1_to_99');
    await q('ALTER TABLE parts_swap EXCHANGE PARTITION p0 WITH TABLE parts_in');
    await q('DROP TABLE gone');
    await q('INSERT INTO busy (id, v) VALUES (5000, 1)');
    assert.match(await waitForTableState(world, pipe, 'gone', 'NeedsResync'), /dropped, renamed or replaced \(DROP TABLE/);
    // Reloaded while CDC goes on, then Live again.
    for (const t of ['parts', 'parts_drop', 'parts_swap']) await waitForReload(world, pipe, t);
    await waitCaughtUp(world, pipe);
    for (const t of ['truncs', 'parts', 'parts_drop', 'parts_swap', 'busy']) await assertEqual(t);
    const [history] = await world.destination().query<{ rows: string }>(`SELECT count() AS rows FROM ${qualifiedChTable(dst(), 'truncs')} WHERE _peerdb_is_deleted = 1`);
    assert.equal(Number(history?.rows), 200, 'the truncated rows stay as deleted rows, each once');
    const view = await world.client.status(pipe);
    for (const t of ['parts', 'parts_drop', 'parts_swap']) assert.equal(view.tables[t]?.state ?? 'Live', 'Live', t);
  });

  it('a gh-ost cutover and a pt-online-schema-change cutover under live writers: the new table, its shape and its rows', async () => {
    const cut = writer('cut', 20_000);
    const osc = writer('osc', 30_000);
    // gh-ost: a ghost table with the new definition, rows copied, changes caught up by the tool, then an atomic rename under a lock.
    await q('CREATE TABLE _cut_gho LIKE cut');
    await q('ALTER TABLE _cut_gho ADD COLUMN flag INT NOT NULL DEFAULT 1, MODIFY v BIGINT NOT NULL');
    await q('INSERT INTO _cut_gho (id, v, owner, d, f, e) SELECT id, v, owner, d, f, e FROM cut');
    await sleep(500);
    await cut.hold(async () => {
      await q('REPLACE INTO _cut_gho (id, v, owner, d, f, e) SELECT id, v, owner, d, f, e FROM cut');
      await q('DELETE g FROM _cut_gho g LEFT JOIN cut c ON c.id = g.id WHERE c.id IS NULL');
      await q('RENAME TABLE cut TO _cut_del, _cut_gho TO cut');
    });
    // pt-online-schema-change: a new table kept current by triggers while rows are copied, then an atomic rename.
    const cols = 'id, v, owner, d, f, e';
    const values = 'NEW.id, NEW.v, NEW.owner, NEW.d, NEW.f, NEW.e';
    await q('CREATE TABLE _osc_new LIKE osc');
    await q("ALTER TABLE _osc_new ADD COLUMN note VARCHAR(20) NOT NULL DEFAULT 'copied', MODIFY owner VARCHAR(40)");
    await q(`CREATE TRIGGER pt_osc_ins AFTER INSERT ON osc FOR EACH ROW REPLACE INTO _osc_new (${cols}) VALUES (${values})`);
    await q(`CREATE TRIGGER pt_osc_upd AFTER UPDATE ON osc FOR EACH ROW REPLACE INTO _osc_new (${cols}) VALUES (${values})`);
    await q('CREATE TRIGGER pt_osc_del AFTER DELETE ON osc FOR EACH ROW DELETE IGNORE FROM _osc_new WHERE id = OLD.id');
    for (let from = 0; from < 400; from += 100) {
      await q(`INSERT LOW_PRIORITY IGNORE INTO _osc_new (${cols}) SELECT ${cols} FROM osc WHERE id > ${from} AND id <= ${from + 100} LOCK IN SHARE MODE`);
    }
    await q('RENAME TABLE osc TO _osc_old, _osc_new TO osc');
    for (const t of ['pt_osc_ins', 'pt_osc_upd', 'pt_osc_del']) await q(`DROP TRIGGER ${t}`);
    await q('DROP TABLE _osc_old');
    // Rows go on flowing into both new tables.
    await sleep(1_000);
    await Promise.all([cut.stop(), osc.stop()]);
    await q("UPDATE osc SET note = 'changed' WHERE id <= 5");
    for (const t of ['cut', 'osc']) await waitForReload(world, pipe, t);
    await waitCaughtUp(world, pipe);
    await assertEqual('cut');
    await assertEqual('osc');
    assert.ok((await chColumns('cut')).includes('flag Int32'));
    assert.ok((await chColumns('osc')).includes('note String'));
    const view = await world.client.status(pipe);
    assert.ok(view.schemaChanges?.some((c) => c.table === 'osc' && /reload started/.test(c.action)));
  });

  it('DDL during the initial load, and the settings: dropped columns dropped, TRUNCATE ignored, a resync started by itself', async () => {
    const other = 'policies';
    const db = `${dst()}_p`;
    await q('CREATE TABLE p_load (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(20) NOT NULL)');
    await q("INSERT INTO p_load SELECT seq, seq, CONCAT('s', seq) FROM seq_1_to_30000");
    for (const t of ['p_add', 'p_drop', 'p_trunc', 'p_narrow']) {
      await q(`CREATE TABLE ${t} (id INT PRIMARY KEY, v INT NOT NULL, owner VARCHAR(10))`);
      await q(`INSERT INTO ${t} SELECT seq, seq, 'o' FROM seq_1_to_200`);
    }
    await world.client.create(
      world.config({
        name: other,
        destination: { database: db },
        tables: ['p_load', 'p_add', 'p_drop', 'p_trunc', 'p_narrow'],
        settings: { maxRowsPerSecond: 5_000, schemaChanges: { dropColumns: 'drop', truncate: 'ignore', autoResync: true } },
      }),
    );
    // Under the load of p_load: its column redefined (its load starts again), and a column added to a table not loaded yet.
    for (let i = 0; i < 200 && !((await world.client.status(other)).tables.p_load?.initialLoad.rowsLoaded ?? 0); i++) await sleep(100);
    await q('ALTER TABLE p_load MODIFY v BIGINT NOT NULL');
    await q('UPDATE p_load SET v = v + 5000000000 WHERE id % 1000 = 0');
    await q('ALTER TABLE p_add ADD COLUMN c INT NOT NULL DEFAULT 3');
    await q('UPDATE p_add SET c = 4 WHERE id <= 5');
    await expectStatus(world, other, 'Running', 120_000);
    await waitForReload(world, other, 'p_load');

    await q('ALTER TABLE p_drop DROP COLUMN owner');
    await q('TRUNCATE TABLE p_trunc');
    await q('ALTER TABLE p_narrow MODIFY v VARCHAR(20) NOT NULL');
    await q("UPDATE p_narrow SET v = 'text' WHERE id <= 3");
    await waitForReload(world, other, 'p_narrow');
    await waitCaughtUp(world, other);
    for (const t of ['p_load', 'p_add', 'p_drop', 'p_narrow']) {
      await assertSameAsSource(world, db, t, await columnsOf(t), ['id']);
    }
    const columns = await world.destination().query<{ name: string }>(
      'SELECT name FROM system.columns WHERE database = {db:String} AND table = {t:String}',
      { db, t: 'p_drop' },
    );
    assert.ok(!columns.some((c) => c.name === 'owner'), 'the dropped column is gone from ClickHouse too');
    const [kept] = await world.destination().query<{ rows: string }>(`SELECT count() AS rows FROM ${qualifiedChTable(db, 'p_trunc')} FINAL WHERE _peerdb_is_deleted = 0`);
    assert.equal(Number(kept?.rows), 200, 'TRUNCATE ignored: the rows stay');
    const view = await world.client.status(other);
    for (const t of ['p_load', 'p_narrow']) assert.equal(view.tables[t]?.state ?? 'Live', 'Live', t);
    assert.ok(view.schemaChanges?.some((c) => c.table === 'p_trunc' && /ignored/.test(c.action)));
    assert.ok(view.schemaChanges?.some((c) => c.table === 'p_narrow' && /needs a resync/.test(c.action)));
    await world.client.drop(other);
  });
});
