import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestWorld, sleep, type RunningWorker } from './helpers/stack.js';
import { assertSameAsSource, decideXa, expectStatus, waitCaughtUp, waitForTableState } from './helpers/pipes.js';
import { qualifiedChTable } from '../src/clickhouse/quote.js';
import { rollBackPreparedXa, rootConnection } from '../scripts/stack/mariadb.js';

/**
 * Changes at the source that the pipe cannot follow as it is must stop the
 * table, visibly and with the reason, never show Running while the
 * destination quietly stops matching the source; what it can follow it
 * follows exactly (XA transactions, other tables).
 */
describe('a running pipe never diverges silently', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  const pipe = 'diverge';
  const dst = () => `dst_${world.id}`;
  const count = async (sql: string) => Number((await world.destination().query<{ rows: string }>(sql))[0]?.rows);
  const tables = ['ints', 'keyed', 'dec', 'xa', 'trunc', 'parts', 'renamed', 'dropped', 'stmt', 'ok'];

  before(async () => {
    world = await TestWorld.create('diverge');
    const q = (sql: string) => world.root.query(sql);
    await q('CREATE TABLE ints (id INT PRIMARY KEY, n INT)');
    await q('CREATE TABLE keyed (id INT PRIMARY KEY, v VARCHAR(10))');
    await q('CREATE TABLE `dec` (id INT PRIMARY KEY, d DECIMAL(10,2))');
    await q('CREATE TABLE xa (id INT PRIMARY KEY, v VARCHAR(10))');
    await q('CREATE TABLE trunc (id INT PRIMARY KEY, v INT)');
    await q('CREATE TABLE parts (id INT NOT NULL, v INT, PRIMARY KEY (id)) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (50), PARTITION p1 VALUES LESS THAN MAXVALUE)');
    await q('CREATE TABLE renamed (id INT PRIMARY KEY, v INT)');
    await q('CREATE TABLE dropped (id INT PRIMARY KEY, v INT)');
    await q('CREATE TABLE stmt (id INT PRIMARY KEY, v INT)');
    await q('CREATE TABLE ok (id INT PRIMARY KEY, v INT)');
    for (const t of ['ints', 'trunc', 'parts', 'renamed', 'dropped', 'stmt', 'ok']) await q(`INSERT INTO \`${t}\` SELECT seq, seq FROM seq_1_to_100`);
    await q("INSERT INTO keyed SELECT seq, CONCAT('v', seq) FROM seq_1_to_10");
    await q('INSERT INTO `dec` SELECT seq, seq / 4 FROM seq_1_to_10');
    worker = await world.startWorker();
    await world.client.create(world.config({ name: pipe, destination: { database: dst() }, tables }));
    await expectStatus(world, pipe, 'Running', 120_000);
  });

  after(async () => {
    // A prepared XA transaction left by a failed test would hold every later Setup back.
    await rollBackPreparedXa(world.root);
    await world.client.drop(pipe).catch(() => undefined);
    await worker?.stop();
    await world?.close();
  });

  it('a type change at the source is followed or stops its table, never a wrapped value; the other tables go on', async () => {
    // Widened: followed (the ClickHouse column too), the large value exact.
    await world.root.query('ALTER TABLE ints MODIFY n BIGINT');
    await world.root.query('INSERT INTO ints VALUES (101, 9000000000)');
    while ((await count(`SELECT count() AS rows FROM ${qualifiedChTable(dst(), 'ints')} WHERE id = 101`)) === 0) await sleep(200);
    assert.equal(await count(`SELECT count() AS rows FROM ${qualifiedChTable(dst(), 'ints')} WHERE n = 9000000000`), 1);
    assert.equal(await count(`SELECT count() AS rows FROM ${qualifiedChTable(dst(), 'ints')} WHERE n = 410065408`), 0);
    // A key column widened: 4294967297 must not replace row 1.
    await world.root.query('ALTER TABLE keyed MODIFY id BIGINT');
    await world.root.query("INSERT INTO keyed VALUES (4294967297, 'big')");
    assert.match(await waitForTableState(world, pipe, 'keyed', 'NeedsResync'), /key column "id" is now bigint/);
    const [row1] = await world.destination().query<{ v: string }>(`SELECT v FROM ${qualifiedChTable(dst(), 'keyed')} FINAL WHERE id = 1`);
    assert.equal(row1?.v, 'v1');
    // Decimal digits that do not fit: the table stops instead of retrying for ever as Running.
    await world.root.query('ALTER TABLE `dec` MODIFY d DECIMAL(10,4)');
    await world.root.query('INSERT INTO `dec` VALUES (11, 123456.7891)');
    assert.match(await waitForTableState(world, pipe, 'dec', 'NeedsResync'), /column "d" is now decimal\(10,4\)/);
    await assertSameAsSource(world, dst(), 'ints', ['id', 'n'], ['id']);

    await world.root.query('UPDATE ok SET v = v + 1 WHERE id <= 10');
    const view = await waitCaughtUp(world, pipe);
    assert.equal(view.status, 'Running');
    assert.match(view.lastError ?? '', /table "(keyed|dec)" stopped/);
    await assertSameAsSource(world, dst(), 'ok', ['id', 'v'], ['id']);
  });

  it('TRUNCATE is followed, a partition change reloads the table; RENAME and DROP stop it with the reason', async () => {
    await world.root.query('TRUNCATE TABLE trunc');
    await world.root.query('ALTER TABLE parts TRUNCATE PARTITION p0');
    await world.root.query('RENAME TABLE renamed TO renamed_old');
    await world.root.query('DROP TABLE dropped');
    // Renamed away, nothing in its place: its reload is refused, and it waits.
    assert.match(await waitForTableState(world, pipe, 'renamed', 'NeedsResync'), /dropped, renamed or replaced \(RENAME TABLE renamed TO renamed_old\)/);
    assert.match(await waitForTableState(world, pipe, 'dropped', 'NeedsResync'), /dropped, renamed or replaced \(DROP TABLE/);
    await world.root.query('INSERT INTO ok VALUES (1000, 1)');
    // The partition's table reloaded (a resync of it, online) and Live again.
    while (!(await world.client.status(pipe)).recentStatuses && (await world.client.status(pipe)).resyncs?.[`resync:${pipe}:parts`]) await sleep(200);
    await world.client.waitForResync(pipe, 60_000, undefined, ['parts']).catch(() => undefined);
    await waitCaughtUp(world, pipe);
    for (const t of ['ok', 'trunc', 'parts']) await assertSameAsSource(world, dst(), t, ['id', 'v'], ['id']);
    const view = await world.client.status(pipe);
    assert.equal(view.tables.parts?.state ?? 'Live', 'Live');
    assert.ok(view.schemaChanges?.some((c) => c.table === 'trunc' && /every row written as deleted/.test(c.action)));
  });

  it('a row written in STATEMENT format stops its table', async () => {
    await world.root.query('SET SESSION binlog_format = STATEMENT');
    try {
      await world.root.query('UPDATE stmt SET v = 0 WHERE id = 5');
    } finally {
      await world.root.query('SET SESSION binlog_format = ROW');
    }
    assert.match(await waitForTableState(world, pipe, 'stmt', 'NeedsResync'), /STATEMENT format/);
  });

  it('applies an XA transaction only when committed, also across batches and restarts', async () => {
    const q = (sql: string) => world.root.query(sql);
    const decide = (sql: string) => decideXa(world, sql);
    // Prepared by one session, which goes away; decided later by another.
    const prepare = async (sql: string) => {
      const session = await rootConnection(world.env.port, world.sourceDb);
      await session.query(sql);
      await session.end();
    };
    await prepare("XA START 'rolled'; INSERT INTO xa VALUES (1, 'rolled'); XA END 'rolled'; XA PREPARE 'rolled'");
    await decide("XA ROLLBACK 'rolled'");
    await prepare("XA START 'later'; INSERT INTO xa VALUES (2, 'later'); UPDATE xa SET v = 'x' WHERE id = 2; XA END 'later'; XA PREPARE 'later'");
    // Batches go by, and the pipe is paused and resumed (the binlog read again) while it is prepared.
    // (Its committed position stays before the prepared transaction meanwhile.)
    await q('INSERT INTO ok VALUES (2000, 1)');
    while ((await count(`SELECT count() AS rows FROM ${qualifiedChTable(dst(), 'ok')} WHERE id = 2000`)) === 0) await sleep(200);
    await world.client.pause(pipe);
    await expectStatus(world, pipe, 'Paused');
    await world.client.resume(pipe);
    await sleep(2_500);
    // The worker restarted too: its held rows are gone from memory, and read again from the held position.
    await worker.stop();
    worker = await world.startWorker();
    await q('INSERT INTO ok VALUES (2001, 1)');
    while ((await count(`SELECT count() AS rows FROM ${qualifiedChTable(dst(), 'ok')} WHERE id = 2001`)) === 0) await sleep(200);
    assert.equal(await count(`SELECT count() AS rows FROM ${qualifiedChTable(dst(), 'xa')} FINAL`), 0, 'nothing applied before the commit');
    await decide("XA COMMIT 'later'");
    await prepare("XA START 'one'; INSERT INTO xa VALUES (3, 'one'); XA END 'one'; XA COMMIT 'one' ONE PHASE");
    await waitCaughtUp(world, pipe);
    await assertSameAsSource(world, dst(), 'xa', ['id', 'v'], ['id']);
  });

  it('Setup waits while an XA transaction is prepared and undecided, then starts', async () => {
    const session = await rootConnection(world.env.port, world.sourceDb);
    await session.query("XA START 'pending'; INSERT INTO ok VALUES (3000, 1); XA END 'pending'; XA PREPARE 'pending'");
    await session.end();
    const waiting = 'xa-waits';
    await world.client.create(world.config({ name: waiting, destination: { database: `${dst()}_w` }, tables: ['ok'] }));
    await sleep(3_000);
    assert.equal((await world.client.status(waiting)).status, 'Setup', 'no start position while a transaction straddles it');
    await decideXa(world, "XA ROLLBACK 'pending'");
    await expectStatus(world, waiting, 'Running', 60_000);
    await world.client.drop(waiting);
  });

  it('a resync brings the stopped tables back', async () => {
    await world.root.query('RENAME TABLE renamed_old TO renamed');
    await world.root.query('CREATE TABLE dropped (id INT PRIMARY KEY, v INT)');
    await world.client.resync(pipe);
    await world.client.waitForResync(pipe, 120_000);
    const view = await waitCaughtUp(world, pipe);
    assert.deepEqual(
      tables.filter((t) => view.tables[t]?.state === 'NeedsResync'),
      [],
      'every table replicated again',
    );
    for (const t of tables) await assertSameAsSource(world, dst(), t, ['id', t === 'dec' ? 'd' : t === 'ints' ? 'n' : 'v'], ['id']);
  });
});
