import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from 'mysql2/promise';
import { TestWorld, type RunningWorker } from './helpers/stack.js';
import { expectStatus } from './helpers/pipes.js';

/**
 * A load that stops CDC meanwhile must not outlive the source's binlog: it
 * is refused up front when the retention is shorter than twice its
 * estimate, and fails at once when the binlog is purged during it (not
 * hours later, when CDC starts).
 */
describe('binlog retention', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  const dst = (n: string) => `dst_${world.id}_${n}`;

  before(async () => {
    world = await TestWorld.create('retain');
    for (const [t, rows] of [['small', 100], ['medium', 4000], ['large', 20000]] as const) {
      await world.root.query(`CREATE TABLE ${t} (id INT PRIMARY KEY, v INT NOT NULL)`);
      await world.root.query(`INSERT INTO ${t} SELECT seq, seq FROM seq_1_to_${rows}`);
      await world.root.query(`ANALYZE TABLE ${t}`);
    }
    worker = await world.startWorker();
  });

  after(async () => {
    await world.root.query('SET GLOBAL binlog_expire_logs_seconds = 0');
    await worker?.stop();
    await world?.close();
  });

  it('refuses a load that would outlive the binlog, giving both durations and the fix; --force loads anyway', async () => {
    await world.root.query('SET GLOBAL binlog_expire_logs_seconds = 60');
    try {
      // 24,100 rows at 200 rows/s: about 2 minutes, against a binlog kept 1 minute.
      const config = world.config({ name: 'short', destination: { database: dst('s') }, tables: ['small', 'medium', 'large'], settings: { maxRowsPerSecond: 200 } });
      await world.client.create(config);
      const view = await expectStatus(world, 'short', 'Failed', 30_000);
      assert.match(view.lastError ?? '', /the load of about \d+ rows should take about 2 min \(at 200 rows\/s\), but the source keeps its binlog only 60 s \(binlog_expire_logs_seconds = 60\).*SET GLOBAL binlog_expire_logs_seconds = \d+.*--force/);
      await world.client.drop('short');
      await world.client.create({ ...config, name: 'forced', settings: { ...config.settings, maxRowsPerSecond: 100_000 } }, { force: true });
      await expectStatus(world, 'forced', 'Running', 60_000);
      await world.client.drop('forced');
    } finally {
      await world.root.query('SET GLOBAL binlog_expire_logs_seconds = 0');
    }
  });

  it('refuses the same for tables added to a running pipe and for an offline resync, leaving the pipe as it was', async () => {
    const pipe = 'grows';
    await world.client.create(world.config({ name: pipe, destination: { database: dst('g') }, tables: ['small'], settings: { maxRowsPerSecond: 200 } }));
    await expectStatus(world, pipe, 'Running', 60_000);
    await world.root.query('SET GLOBAL binlog_expire_logs_seconds = 60');
    try {
      await assert.rejects(world.client.addTables(pipe, ['medium', 'large']), /tables not added: the load of about \d+ rows should take about 2 min .*binlog only 60 s/);
      // 100 rows at 1 row/s: longer than the binlog is kept.
      await world.client.resync(pipe, { mode: 'offline', maxRowsPerSecond: 1 });
      await assert.rejects(world.client.waitForResync(pipe, 30_000), /resync of pipe grows refused: the load of about \d+ rows .* binlog only 60 s/);
      const view = await world.client.status(pipe);
      assert.equal(view.status, 'Running');
      assert.deepEqual(Object.keys(view.tables), ['small'], 'no table added');
    } finally {
      await world.root.query('SET GLOBAL binlog_expire_logs_seconds = 0');
      await world.client.drop(pipe);
    }
  });

  it('fails at once when the binlog is purged during the load', async () => {
    const pipe = 'purged';
    // Chunks are taken in table order: the small tables end early, the large one loads slowly.
    await world.client.create(
      world.config({ name: pipe, destination: { database: dst('p') }, tables: ['small', 'medium', 'large'], settings: { maxRowsPerSecond: 2_000 } }),
    );
    await expectStatus(world, pipe, 'Snapshot', 30_000);
    await world.root.query('FLUSH BINARY LOGS');
    const [[current]] = await world.root.query<RowDataPacket[]>('SHOW MASTER STATUS');
    // PURGE keeps, with a warning, a file a binlog reader still has open (a
    // dropped pipe's dump thread not yet gone): purge until it is gone.
    const to = String(current?.File);
    for (let i = 0; ; i++) {
      await world.root.query(`PURGE BINARY LOGS TO '${to}'`);
      const [logs] = await world.root.query<RowDataPacket[]>('SHOW BINARY LOGS');
      if (String(logs[0]?.Log_name) === to) break;
      assert.ok(i < 25, `the binlog before ${to} was not purged: ${logs.map((l) => String(l.Log_name)).join(', ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const failed = await expectStatus(world, pipe, 'Failed', 60_000);
    assert.match(failed.lastError ?? '', /the binlog was purged during the load: file .* is gone from the source/);
    assert.equal(failed.tables.large?.initialLoad.done, false, 'it failed before the load ended');
    await world.client.drop(pipe);
  });
});
