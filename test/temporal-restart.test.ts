import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { TestWorld, killAndWait, sleep, testEnv } from './helpers/stack.js';
import { expectStatus, waitCaughtUp, assertSameAsSource } from './helpers/pipes.js';
import { startTemporalServer, type TemporalServerOptions } from '../scripts/stack/temporal-server.js';
import { freePort } from '../scripts/stack/processes.js';
import type { Service } from '../scripts/stack/processes.js';

/**
 * The Temporal server stopped and started again (its SQLite file kept) in the
 * middle of a resync's load: the worker reconnects, the resync carries on
 * from its recorded progress, and the pipe ends Running, equal to the source.
 */
describe('the Temporal server restarted during a resync', () => {
  let world: TestWorld;
  let temporal: Service;
  let worker: ChildProcess | null = null;
  let server: TemporalServerOptions;
  const pipe = 'trestart';
  const dst = () => `dst_${world.id}`;
  const cols = ['id', 'v', 's'];
  const ROWS = 120_000;

  before(async () => {
    const env = testEnv();
    server = { port: await freePort(), dbFile: join(env.workDir, 'temporal-restart.db'), logDir: join(env.workDir, 'logs'), instance: 'restart-test' };
    temporal = await startTemporalServer(server);
    world = await TestWorld.create('trestart', { temporalAddress: `127.0.0.1:${server.port}` });
    await world.root.query('CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(30) NOT NULL)');
    await world.root.query(`INSERT INTO t SELECT seq, seq % 13, CONCAT('row ', seq) FROM seq_1_to_${ROWS}`);
    worker = await world.startWorkerProcess();
    await world.client.create(world.config({ name: pipe, destination: { database: dst() }, tables: ['t'], settings: { snapshotParallelThreads: 3 } }));
    await expectStatus(world, pipe, 'Running', 120_000);
  });

  after(async () => {
    if (worker) await killAndWait(worker, 'SIGTERM');
    await world?.close();
    await temporal?.stop();
  });

  it('resumes the resync and loses nothing', async () => {
    await world.root.query('DELETE FROM t WHERE id % 100 = 0');
    await waitCaughtUp(world, pipe);
    await world.client.resync(pipe, { maxRowsPerSecond: 12_000 }); // a 10 s load
    await expectStatus(world, pipe, 'Snapshot', 60_000);
    await sleep(3_000);
    await temporal.stop();
    await world.root.query("UPDATE t SET s = 'while Temporal was down' WHERE id <= 1000");
    await sleep(2_000);
    temporal = await startTemporalServer(server);
    await world.client.waitForResync(pipe, 180_000);
    await expectStatus(world, pipe, 'Running', 60_000);
    await waitCaughtUp(world, pipe, 60_000);
    await killAndWait(worker!, 'SIGTERM');
    worker = null;
    await assertSameAsSource(world, dst(), 't', cols, ['id']);
    // Deleted rows carried over as soft deletes; no row stored twice with one version.
    const [carried] = await world.destination().query<{ n: string }>(`SELECT uniqExact(id) AS n FROM \`${dst()}\`.t WHERE _peerdb_is_deleted = 1`);
    assert.equal(Number(carried?.n), ROWS / 100);
    const [doubled] = await world.destination().query<{ n: string }>(
      `SELECT count() AS n FROM (SELECT id, _peerdb_version FROM \`${dst()}\`.t GROUP BY id, _peerdb_version HAVING count() > 1)`,
    );
    assert.equal(Number(doubled?.n), 0);
  });
});
