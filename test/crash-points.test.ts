import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { TestWorld, killAndWait } from './helpers/stack.js';
import { expectStatus, waitCaughtUp, assertSameAsSource } from './helpers/pipes.js';

const POINTS = ['setup', 'chunk', 'cdc', 'carry', 'swap', 'restart'];

/**
 * The real worker program killed (SIGKILL) at the worst moment of every
 * step — Setup's tables created, a chunk's page written, a CDC batch written,
 * soft deletes carried, a table swapped, the pipe restarted after a resync —
 * each time just before the step reports done, and a new worker started as a
 * process manager would. Six kills in one run; the pipe ends Running, equal
 * to the source, with no row stored twice.
 */
describe('a worker killed at every step', () => {
  let world: TestWorld;
  let worker: ChildProcess | null = null;
  let supervising = true;
  let supervisor: Promise<void>;
  const kills: string[] = [];
  const pipe = 'chaos';
  const dst = () => `dst_${world.id}`;
  const cols = ['id', 'v', 's'];
  const crashDir = () => join(world.env.workDir, `crash-points-${world.id}`);

  async function supervise(): Promise<void> {
    while (supervising) {
      const child = await world.startWorkerProcess({ PIPES_CRASH_POINTS: POINTS.join(','), PIPES_CRASH_DIR: crashDir() });
      worker = child;
      await new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.signalCode === 'SIGKILL') kills.push(readdirSync(crashDir()).sort().join(','));
    }
  }

  before(async () => {
    world = await TestWorld.create('chaos');
    rmSync(crashDir(), { recursive: true, force: true });
    mkdirSync(crashDir(), { recursive: true });
    await world.root.query('CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(30) NOT NULL)');
    await world.root.query("INSERT INTO t SELECT seq, seq % 7, CONCAT('row ', seq) FROM seq_1_to_40000");
    supervisor = supervise();
  });

  after(async () => {
    supervising = false;
    if (worker) await killAndWait(worker, 'SIGTERM');
    await supervisor;
    await world?.close();
  });

  it('survives six kills, loses nothing and doubles nothing', async () => {
    await world.client.create(
      world.config({ name: pipe, destination: { database: dst() }, tables: ['t'], settings: { snapshotRowsPerPartition: 10_000, snapshotParallelThreads: 2 } }),
    );
    await expectStatus(world, pipe, 'Running', 180_000);
    await world.root.query('UPDATE t SET v = v + 100 WHERE id <= 2000');
    await world.root.query('DELETE FROM t WHERE id % 50 = 0');
    await waitCaughtUp(world, pipe, 180_000);
    await world.client.resync(pipe);
    await world.client.waitForResync(pipe, 240_000);
    await expectStatus(world, pipe, 'Running', 120_000);
    await world.root.query("UPDATE t SET s = 'after the resync' WHERE id > 39000");
    await waitCaughtUp(world, pipe, 120_000);

    assert.deepEqual(readdirSync(crashDir()).sort(), [...POINTS].sort(), 'every crash point was reached');
    assert.equal(kills.length, POINTS.length, `kills: ${JSON.stringify(kills)}`);
    supervising = false;
    await killAndWait(worker!, 'SIGTERM');
    await supervisor;
    worker = null;
    await assertSameAsSource(world, dst(), 't', cols, ['id']);
    const [doubled] = await world.destination().query<{ n: string }>(
      `SELECT count() AS n FROM (SELECT id, _peerdb_version FROM \`${dst()}\`.t GROUP BY id, _peerdb_version HAVING count() > 1)`,
    );
    assert.equal(Number(doubled?.n), 0, 'no row stored twice with the same version');
  });
});
