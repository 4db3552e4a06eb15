import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { TestWorld, killAndWait } from './helpers/stack.js';
import { expectStatus, waitCaughtUp, assertSameAsSource } from './helpers/pipes.js';

/**
 * Where the worker dies, by the resync's mode. Offline: Setup's tables
 * created, a chunk's page written, a CDC batch written, soft deletes
 * carried, a table swapped, the pipe restarted after the resync. Online:
 * the same first steps, then a CDC batch written to a table and its shadow
 * (double writing, not yet committed), soft deletes carried (just before the
 * swap), a table swapped (just after it); then an ALTER TABLE, before and
 * after it reached ClickHouse; and in the middle of the check of a
 * `_resync` table before its swap (a source part's checksum taken, not yet
 * reported).
 */
const POINTS = {
  offline: ['setup', 'chunk', 'cdc', 'carry', 'swap', 'restart'],
  online: ['setup', 'chunk', 'cdc', 'shadow', 'validate', 'carry', 'swap', 'ddl-planned', 'ddl'],
} as const;

/**
 * The real worker program killed (SIGKILL) at the worst moment of every
 * step, each time just before the step reports done, and a new worker
 * started as a process manager would. Six kills in one run; the pipe ends
 * Running, equal to the source, with no row stored twice.
 */
for (const mode of ['offline', 'online'] as const) describe(`a worker killed at every step (${mode} resync)`, () => {
  let world: TestWorld;
  let worker: ChildProcess | null = null;
  let supervising = true;
  let supervisor: Promise<void>;
  const kills: string[] = [];
  const pipe = `chaos-${mode}`;
  const dst = () => `dst_${world.id}`;
  const cols = ['id', 'v', 's'];
  const crashDir = () => join(world.env.workDir, `crash-points-${world.id}`);

  async function supervise(): Promise<void> {
    while (supervising) {
      const child = await world.startWorkerProcess({ PIPES_CRASH_POINTS: POINTS[mode].join(','), PIPES_CRASH_DIR: crashDir() });
      worker = child;
      await new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.signalCode === 'SIGKILL') kills.push(readdirSync(crashDir()).sort().join(','));
    }
  }

  before(async () => {
    world = await TestWorld.create(`chaos_${mode}`);
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
      world.config({ name: pipe, destination: { database: dst() }, tables: ['t'], settings: { snapshotRowsPerPartition: 10_000, snapshotParallelThreads: 2, loadMode: 'stream' } }),
    );
    await expectStatus(world, pipe, 'Running', 180_000);
    await world.root.query('UPDATE t SET v = v + 100 WHERE id <= 2000');
    await world.root.query('DELETE FROM t WHERE id % 50 = 0');
    await waitCaughtUp(world, pipe, 180_000);
    // A writer throughout the resync: an online resync writes its changes to both copies.
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await world.root.query(`UPDATE t SET v = v + 1 WHERE id = ${1 + (i % 39_000)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await world.client.resync(pipe, { mode });
    await world.client.waitForResync(pipe, 240_000);
    writing = false;
    await writer;
    await expectStatus(world, pipe, 'Running', 120_000);
    await world.root.query("UPDATE t SET s = 'after the resync' WHERE id > 39000");
    if (mode === 'online') {
      // Applied once whatever the kills: the new column, its default in the rows already there, the wider type.
      await world.root.query('ALTER TABLE t ADD COLUMN w INT NOT NULL DEFAULT 5 AFTER v, MODIFY s VARCHAR(60) NOT NULL');
      await world.root.query('UPDATE t SET w = 6, s = REPEAT(\'x\', 50) WHERE id <= 100');
    }
    await waitCaughtUp(world, pipe, 120_000);

    assert.deepEqual(readdirSync(crashDir()).sort(), [...POINTS[mode]].sort(), 'every crash point was reached');
    assert.equal(kills.length, POINTS[mode].length, `kills: ${JSON.stringify(kills)}`);
    if (mode === 'online') {
      // Asked while a worker still answers queries.
      const view = await world.client.status(pipe);
      assert.deepEqual(
        (view.schemaChanges ?? []).map((c) => c.action),
        ['added column w Int32 DEFAULT 5'],
        'the ALTER recorded once',
      );
    }
    supervising = false;
    await killAndWait(worker!, 'SIGTERM');
    await supervisor;
    worker = null;
    await assertSameAsSource(world, dst(), 't', mode === 'online' ? ['id', 'v', 'w', 's'] : cols, ['id']);
    const [doubled] = await world.destination().query<{ n: string }>(
      `SELECT count() AS n FROM (SELECT id, _peerdb_version FROM \`${dst()}\`.t GROUP BY id, _peerdb_version HAVING count() > 1)`,
    );
    assert.equal(Number(doubled?.n), 0, 'no row stored twice with the same version');
  });
});
