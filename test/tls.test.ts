import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { TestWorld, testEnv, type RunningWorker } from './helpers/stack.js';
import { expectStatus, waitCaughtUp } from './helpers/pipes.js';
import { LOCAL_SOURCE_PASSWORD } from '../scripts/stack/mariadb.js';
import { localTlsFiles } from '../scripts/stack/tls.js';

/**
 * A source user that may only connect over TLS (REQUIRE SSL): a pipe with
 * `source.tls` loads and follows it (the binlog reader uses TLS too); one
 * without is refused in Setup with the server's reason.
 */
describe('TLS to the source', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  const user = 'pipes_tls';
  const ca = localTlsFiles(join(testEnv().mysqlDir, 'tls')).ca;
  const dst = () => `dst_${world.id}`;

  before(async () => {
    world = await TestWorld.create('tls');
    for (const host of ['%', 'localhost']) {
      await world.root.query(`CREATE USER IF NOT EXISTS '${user}'@'${host}' IDENTIFIED BY '${LOCAL_SOURCE_PASSWORD}' REQUIRE SSL`);
      await world.root.query(`GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '${user}'@'${host}'`);
    }
    await world.root.query('CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)');
    await world.root.query("INSERT INTO t SELECT seq, CONCAT('v', seq) FROM seq_1_to_1000");
    worker = await world.startWorker();
  });

  after(async () => {
    await world.client.drop('tls').catch(() => undefined);
    await worker?.stop();
    await world?.close();
  });

  it('loads and follows a source that requires TLS, verifying its certificate', async () => {
    await world.client.create(
      world.config({ name: 'tls', source: { user, tls: { caFile: ca } }, destination: { database: dst() }, tables: ['t'], settings: { syncIntervalSeconds: 1 } }),
    );
    await expectStatus(world, 'tls', 'Running', 60_000);
    await world.root.query("UPDATE t SET v = 'changed' WHERE id <= 10");
    await waitCaughtUp(world, 'tls');
    const [[src]] = await world.root.query<RowDataPacket[]>("SELECT COUNT(*) AS n, SUM(v = 'changed') AS c FROM t");
    const [got] = await world.destination().query<{ n: string; c: string }>(
      `SELECT count() AS n, countIf(v = 'changed') AS c FROM \`${dst()}\`.t FINAL`,
    );
    assert.deepEqual([Number(got?.n), Number(got?.c)], [Number(src?.n), Number(src?.c)]);
  });

  it('is refused without TLS, and with a certificate it cannot verify, naming the reason', async () => {
    await world.client.create(world.config({ name: 'plain', source: { user }, destination: { database: `${dst()}_plain` }, tables: ['t'] }));
    const plain = await expectStatus(world, 'plain', 'Failed', 60_000);
    assert.match(plain.lastError ?? '', /Access denied for user 'pipes_tls'/);
    await world.client.create(world.config({ name: 'unverified', source: { user, tls: true }, destination: { database: `${dst()}_unv` }, tables: ['t'] }));
    const unverified = await expectStatus(world, 'unverified', 'Failed', 60_000);
    assert.match(unverified.lastError ?? '', /certificate/i);
    await world.client.drop('plain');
    await world.client.drop('unverified');
  });
});
