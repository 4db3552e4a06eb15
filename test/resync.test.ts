import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TestWorld, sleep, type RunningWorker } from './helpers/stack.js';
import { swapWithResync } from '../src/clickhouse/exchange-tables.js';
import { ensureTemporalCli } from '../scripts/stack/temporal-cli.js';
import { PROJECT_ROOT } from '../scripts/stack/paths.js';
import { expectStatus, waitCaughtUp, assertSameAsSource, waitForTableState } from './helpers/pipes.js';
import { recordAndReplay } from './helpers/histories.js';
import { resyncUpdate } from '../src/contract/messages.js';
import { pipeWorkflowId } from '../src/pipe/names.js';

describe('resync', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  const dst = () => `dst_${world.id}`;
  const q = <T>(sql: string) => world.destination().query<T>(sql);
  const count = async (sql: string) => Number((await q<{ n: string }>(sql))[0]?.n);

  const assertEqual = (table: string, cols: string[], key: string[]) => assertSameAsSource(world, dst(), table, cols, key);

  async function resync(pipe: string, options: Parameters<typeof world.client.resync>[1] = {}) {
    await world.client.resync(pipe, options);
    return { result: await world.client.waitForResync(pipe, 120_000) };
  }

  before(async () => {
    world = await TestWorld.create('resync');
    worker = await world.startWorker();
  });

  after(async () => {
    await worker?.stop();
    await world?.close();
  });

  describe('a pipe with deletes, resynced with a new ORDER BY', () => {
    const pipe = 'shop';
    const cols = ['id', 'customer', 'total', 'note'];

    before(async () => {
      await world.root.query(`CREATE TABLE orders (id INT PRIMARY KEY, customer INT NOT NULL, total DECIMAL(10,2) NOT NULL, note VARCHAR(50))`);
      await world.root.query(`INSERT INTO orders SELECT seq, seq % 100, seq / 10, IF(seq % 5 = 0, NULL, 'n') FROM seq_1_to_30000`);
      await world.root.query(`CREATE TABLE empty_one (id INT PRIMARY KEY, v INT)`);
      await world.client.create(
        world.config({
          name: pipe,
          destination: { database: dst() },
          tables: ['orders', 'empty_one'],
          settings: { snapshotRowsPerPartition: 5000, snapshotParallelThreads: 2 },
        }),
      );
      await expectStatus(world, pipe, 'Running');
      // Deleted for good, and deleted then inserted again.
      await world.root.query(`DELETE FROM orders WHERE id BETWEEN 101 AND 150`);
      await world.root.query(`DELETE FROM orders WHERE id BETWEEN 201 AND 210`);
      await world.root.query(`INSERT INTO orders SELECT seq, 7, 1.00, 'back' FROM seq_201_to_210`);
      await waitCaughtUp(world, pipe);
    });

    it('goes Setup, Snapshot, Resync, Running; carries soft deletes; applies changes made during the load', async () => {
      // A writer keeps changing the source throughout: before, during the load,
      // during the swap and after.
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          await world.root.query(`UPDATE orders SET total = total + 1 WHERE id = ${20_000 + (i % 500)}`);
          await world.root.query(`INSERT INTO orders VALUES (${60_000 + i}, 9, 1.00, 'writer')`);
          if (i % 3 === 0) await world.root.query(`DELETE FROM orders WHERE id = ${60_000 + i - 1}`);
          await sleep(20);
        }
      })();
      // A slow load, so that changes land while it runs.
      await world.client.resync(pipe, { orderBy: { orders: ['customer', 'id'] }, maxRowsPerSecond: 12_000 });
      await expectStatus(world, pipe, 'Snapshot', 30_000);
      await world.root.query(`UPDATE orders SET note = 'during load' WHERE id BETWEEN 1 AND 20`);
      await world.root.query(`INSERT INTO orders VALUES (40001, 1, 2.00, 'during load')`);
      await world.root.query(`DELETE FROM orders WHERE id BETWEEN 29001 AND 29010`);
      const result = await world.client.waitForResync(pipe, 120_000);
      await sleep(500);
      writing = false;
      await writer;
      const after = await world.client.status(pipe);
      assert.deepEqual(after.recentStatuses.map((s) => s.status), ['Setup', 'Snapshot', 'Resync', 'Running']);
      await recordAndReplay('resync:shop', 'resync-order-by');
      assert.equal(result.tables.orders?.swap, 'exchanged');
      assert.equal(result.tables.empty_one?.rows, 0);

      await waitCaughtUp(world, pipe);
      await assertEqual('orders', cols, ['id']);
      await assertEqual('empty_one', ['id', 'v'], ['id']);
      // Keys deleted for good are carried as soft deletes; keys inserted again stay live.
      const deleted = await q<{ id: number }>(`SELECT id FROM \`${dst()}\`.orders WHERE _peerdb_is_deleted = 1 AND id <= 1000 ORDER BY id`);
      assert.deepEqual(deleted.map((r) => Number(r.id)), Array.from({ length: 50 }, (_, i) => 101 + i));
      assert.equal(await count(`SELECT count() AS n FROM \`${dst()}\`.orders FINAL WHERE id BETWEEN 201 AND 210`), 10);
      // The new sorting key, and no _resync table left behind.
      const [ddl] = await q<{ statement: string }>(`SHOW CREATE TABLE \`${dst()}\`.orders`);
      assert.match(ddl!.statement, /ORDER BY \(customer, id\)/);
      assert.equal(await count(`SELECT count() AS n FROM system.tables WHERE database = '${dst()}' AND name LIKE '%_resync'`), 0);
      // Statistics start afresh, and CDC runs again.
      const view = await world.client.status(pipe);
      assert.equal(view.tables.orders!.initialLoad.chunksDone, view.tables.orders!.initialLoad.chunksTotal);
      await world.root.query(`UPDATE orders SET total = 99 WHERE id = 5`);
      await waitCaughtUp(world, pipe);
      await assertEqual('orders', cols, ['id']);
    });

    it('is refused, changing nothing, when the source no longer fits; the pipe shows why', async () => {
      await world.root.query(`RENAME TABLE orders TO orders_renamed`);
      try {
        // The pipe stops the renamed table first (it can no longer follow it).
        assert.match(await waitForTableState(world, pipe, 'orders', 'NeedsResync'), /RENAME TABLE orders TO orders_renamed/);
        const before = await count(`SELECT count() AS n FROM \`${dst()}\`.orders`);
        await world.client.resync(pipe);
        await assert.rejects(world.client.waitForResync(pipe, 60_000), /resync of pipe shop refused: table "orders" does not exist/);
        await recordAndReplay('resync:shop', 'resync-refused');
        const view = await world.client.status(pipe);
        assert.equal(view.status, 'Running');
        assert.match(view.lastError ?? '', /resync refused/);
        // Nothing was touched: no new table, the old one as it was.
        assert.equal(await count(`SELECT count() AS n FROM system.tables WHERE database = '${dst()}' AND name = 'orders_resync'`), 0);
        assert.equal(await count(`SELECT count() AS n FROM \`${dst()}\`.orders`), before);
      } finally {
        await world.root.query(`RENAME TABLE orders_renamed TO orders`);
      }
    });

    it('is refused for an ORDER BY naming a missing column', async () => {
      await world.client.resync(pipe, { orderBy: { orders: ['nope', 'id'] } });
      await assert.rejects(world.client.waitForResync(pipe, 60_000), /orderBy names column "nope"/);
      assert.equal((await world.client.status(pipe)).status, 'Running');
    });

    it('starts from an update sent to the pipe by another service, and refuses a second one meanwhile', async () => {
      const handle = world.client.temporal.workflow.getHandle(pipeWorkflowId(pipe));
      const id = await handle.executeUpdate(resyncUpdate, { args: [{ maxRowsPerSecond: 20_000 }] });
      assert.equal(id, 'resync:shop');
      await assert.rejects(world.client.resync(pipe), /a resync of pipe "shop" is already running/);
      await world.client.waitForResync(pipe, 120_000);
      await waitCaughtUp(world, pipe);
      await assertEqual('orders', cols, ['id']);
    });

    it('starts from `temporal workflow start` with a small JSON input', async () => {
      const r = spawnSync(ensureTemporalCli(), [
        'workflow', 'start', '--address', world.env.address, '--task-queue', world.taskQueue,
        '--type', 'resyncWorkflow', '--workflow-id', 'resync:shop', '--input', JSON.stringify({ pipe }),
      ], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const result = await world.client.waitForResync(pipe, 120_000);
      assert.equal(result.status, 'Running');
      await waitCaughtUp(world, pipe);
      await assertEqual('orders', cols, ['id']);
    });

    it('pipectl asks before resyncing, refuses without a terminal unless --yes, and follows it', async () => {
      const env = { ...process.env, PIPES_TASK_QUEUE: world.taskQueue };
      const cli = join(PROJECT_ROOT, 'dist/src/client.js');
      const noTty = spawnSync(process.execPath, [cli, 'resync', pipe], { env, encoding: 'utf8', input: '' });
      assert.equal(noTty.status, 2);
      assert.match(noTty.stderr, /^pipectl: resync asks for confirmation: pass --yes when there is no terminal\n$/);
      // On a terminal (script(1) gives it one), answering no changes nothing.
      const tty = spawn('script', ['-qec', `${process.execPath} ${cli} resync ${pipe}`, '/dev/null'], { env });
      let screen = '';
      let answered = false;
      tty.stdout.on('data', (d: Buffer) => {
        screen += d.toString();
        if (!answered && screen.includes('[y/N]')) {
          answered = true;
          tty.stdin.write('n\n');
        }
      });
      const guard = setTimeout(() => tty.kill(), 30_000);
      const code = await new Promise<number | null>((resolve) => tty.on('exit', resolve));
      clearTimeout(guard);
      assert.match(screen, /Resync pipe shop\? This reloads every table from the source \[y\/N\]/);
      assert.match(screen, /resync cancelled/);
      assert.equal(code, 1);
      assert.equal((await world.client.status(pipe)).recentStatuses.at(-1)?.status, 'Running');

      // Not spawnSync: this process runs the worker the resync needs.
      const yes = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [cli, 'resync', pipe, '--yes'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (status) => resolve({ status, stdout, stderr }));
      });
      assert.equal(yes.status, 0, yes.stderr);
      assert.match(yes.stdout, /orders: \d+ rows loaded, \d+ soft-deleted rows carried, exchanged/);
      assert.match(yes.stdout, /pipe shop resynced: Running/);
    });

    it('skips a table already swapped when the swap is retried', async () => {
      const db = dst();
      await world.destination().command(`CREATE TABLE \`${db}\`.retry_t (id Int32) ENGINE = MergeTree ORDER BY id COMMENT 'old'`);
      await world.destination().command(`CREATE TABLE \`${db}\`.retry_t_resync (id Int32) ENGINE = MergeTree ORDER BY id COMMENT 'resync x'`);
      await world.destination().command(`INSERT INTO \`${db}\`.retry_t_resync VALUES (1), (2)`);
      assert.equal(await swapWithResync(world.destination(), db, 'retry_t', 'retry_t_resync', 'resync x'), 'exchanged');
      assert.equal(await swapWithResync(world.destination(), db, 'retry_t', 'retry_t_resync', 'resync x'), 'already-swapped');
      assert.equal(await count(`SELECT count() AS n FROM \`${db}\`.retry_t`), 2);
      await world.destination().command(`DROP TABLE \`${db}\`.retry_t`);
    });

    it('picks up ADD COLUMN, DROP COLUMN and a changed type at the source', async () => {
      await world.root.query(`ALTER TABLE orders ADD COLUMN channel VARCHAR(10) NOT NULL DEFAULT 'web' AFTER customer, DROP COLUMN note, MODIFY total DECIMAL(14,4) NOT NULL`);
      await world.root.query(`UPDATE orders SET channel = 'shop' WHERE id % 3 = 0`);
      await resync(pipe);
      await waitCaughtUp(world, pipe);
      await assertEqual('orders', ['id', 'customer', 'channel', 'total'], ['id']);
      const types = await q<{ name: string; type: string }>(
        `SELECT name, type FROM system.columns WHERE database = '${dst()}' AND table = 'orders' AND name IN ('channel', 'note', 'total') ORDER BY name`,
      );
      assert.deepEqual(types, [
        { name: 'channel', type: 'String' },
        { name: 'total', type: 'Decimal(14, 4)' },
      ]);
      // Soft deletes carried into the new schema.
      assert.equal(await count(`SELECT count() AS n FROM \`${dst()}\`.orders WHERE _peerdb_is_deleted = 1 AND id BETWEEN 101 AND 150`), 50);
    });

    it('adds a table to the running pipe, and a resync keeps it', async () => {
      await world.root.query(`CREATE TABLE later (id INT PRIMARY KEY, v VARCHAR(10))`);
      await world.root.query(`INSERT INTO later SELECT seq, CONCAT('v', seq) FROM seq_1_to_2000`);
      await assert.rejects(world.client.addTables(pipe, ['nope']), /tables not added: table "nope" does not exist/);
      await world.client.addTables(pipe, ['later']);
      await world.root.query(`UPDATE later SET v = 'changed' WHERE id <= 10`);
      await world.root.query(`DELETE FROM later WHERE id > 1990`);
      await waitCaughtUp(world, pipe);
      await assertEqual('later', ['id', 'v'], ['id']);
      const later = (await world.client.status(pipe)).tables.later?.initialLoad;
      assert.ok(later?.done && later.rowsLoaded >= 1990, `the added table was loaded: ${JSON.stringify(later)}`);

      const { result } = await resync(pipe);
      assert.ok(result.tables.later, 'the added table is resynced too');
      await world.root.query(`INSERT INTO later VALUES (5000, 'after')`);
      await waitCaughtUp(world, pipe);
      await assertEqual('later', ['id', 'v'], ['id']);
    });

    it('runs three times in a row', async () => {
      for (let i = 0; i < 3; i++) {
        await world.root.query(`UPDATE orders SET customer = customer + 1 WHERE id <= 100`);
        const { result } = await resync(pipe);
        assert.equal(result.status, 'Running');
      }
      await waitCaughtUp(world, pipe);
      await assertEqual('orders', ['id', 'customer', 'channel', 'total'], ['id']);
    });

    it('resyncs a paused pipe', async () => {
      await world.client.pause(pipe);
      await expectStatus(world, pipe, 'Paused');
      await world.root.query(`INSERT INTO orders (id, customer, total) VALUES (50001, 3, 4.5)`);
      await resync(pipe);
      await waitCaughtUp(world, pipe);
      await assertEqual('orders', ['id', 'customer', 'channel', 'total'], ['id']);
    });
  });

  it('carries deletes made just before the resync, which CDC had not applied yet', async () => {
    // A 30 s sync interval: only the drain up to the resync's position applies them in time.
    const pipe = 'slow-sync';
    await world.root.query(`CREATE TABLE slow (id INT PRIMARY KEY, v INT)`);
    await world.root.query(`INSERT INTO slow SELECT seq, seq FROM seq_1_to_1000`);
    await world.client.create(
      world.config({ name: pipe, destination: { database: `${dst()}_s` }, tables: ['slow'], settings: { syncIntervalSeconds: 30 } }),
    );
    await expectStatus(world, pipe, 'Running');
    await world.root.query(`DELETE FROM slow WHERE id BETWEEN 11 AND 15`);
    // A rotation right before: the resync's position lies past the last transaction.
    await world.root.query('FLUSH BINARY LOGS');
    const { result } = await resync(pipe);
    assert.equal(result.tables.slow?.softDeletesCarried, 5);
    const carried = await q<{ id: number }>(`SELECT id FROM \`${dst()}_s\`.slow WHERE _peerdb_is_deleted = 1 ORDER BY id`);
    assert.deepEqual(carried.map((r) => Number(r.id)), [11, 12, 13, 14, 15]);
    assert.equal(await count(`SELECT count() AS n FROM \`${dst()}_s\`.slow FINAL`), 995);
    await world.client.drop(pipe);
  });

  it('resyncs a failed pipe once the source is fixed', async () => {
    const pipe = 'was-failed';
    await world.client.create(world.config({ name: pipe, destination: { database: `${dst()}_f` }, tables: ['late'] }));
    await expectStatus(world, pipe, 'Failed');
    await world.root.query(`CREATE TABLE late (id INT PRIMARY KEY, v VARCHAR(5))`);
    await world.root.query(`INSERT INTO late VALUES (1, 'a'), (2, 'b')`);
    const { result } = await resync(pipe);
    assert.equal(result.tables.late?.swap, 'renamed');
    await waitCaughtUp(world, pipe);
    const rows = await q<{ id: number; v: string }>(`SELECT id, v FROM \`${dst()}_f\`.late FINAL ORDER BY id`);
    assert.deepEqual(rows, [{ id: 1, v: 'a' }, { id: 2, v: 'b' }]);
    await world.client.drop(pipe);
    await recordAndReplay(`pipe:${pipe}`, 'pipe-after-resync');
  });

  it('--offline does what the resync always did: CDC stops, the tables reload, swap, CDC from the recorded position', async () => {
    const pipe = 'offline';
    const db = `${dst()}_off`;
    await world.root.query(`CREATE TABLE off_t (id INT PRIMARY KEY, v INT NOT NULL)`);
    await world.root.query(`INSERT INTO off_t SELECT seq, seq FROM seq_1_to_20000`);
    await world.client.create(world.config({ name: pipe, destination: { database: db }, tables: ['off_t'] }));
    await expectStatus(world, pipe, 'Running');
    await world.root.query(`DELETE FROM off_t WHERE id <= 20`);
    await waitCaughtUp(world, pipe);
    await world.client.resync(pipe, { mode: 'offline', maxRowsPerSecond: 5_000 });
    // The pipe's own workflow ends; the resync holds the pipe and answers for it.
    const loading = await expectStatus(world, pipe, 'Snapshot', 30_000);
    assert.equal(loading.resyncs, undefined, 'the status comes from the offline resync');
    await world.root.query(`UPDATE off_t SET v = 0 WHERE id = 10000`);
    await world.root.query(`DELETE FROM off_t WHERE id = 10001`);
    const result = await world.client.waitForResync(pipe, 120_000);
    assert.equal(result.tables.off_t?.swap, 'exchanged');
    assert.equal(result.tables.off_t?.softDeletesCarried, 20);
    const after = await world.client.status(pipe);
    assert.deepEqual(after.recentStatuses.map((s) => s.status), ['Setup', 'Snapshot', 'Resync', 'Running']);
    await waitCaughtUp(world, pipe);
    await assertSameAsSource(world, db, 'off_t', ['id', 'v'], ['id']);
    await world.client.drop(pipe);
  });

  it('keeps a table readable and complete while it is swapped', async () => {
    const pipe = 'swap-reader';
    await world.root.query(`CREATE TABLE big (id INT PRIMARY KEY, v INT)`);
    await world.root.query(`INSERT INTO big SELECT seq, seq FROM seq_1_to_20000`);
    await world.client.create(world.config({ name: pipe, destination: { database: `${dst()}_r` }, tables: ['big'] }));
    await expectStatus(world, pipe, 'Running');
    let stop = false;
    const counts: number[] = [];
    const errors: string[] = [];
    const reader = (async () => {
      while (!stop) {
        try {
          counts.push(await count(`SELECT count() AS n FROM \`${dst()}_r\`.big FINAL`));
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
    })();
    await resync(pipe);
    stop = true;
    await reader;
    assert.deepEqual(errors, [], 'no read failed');
    assert.ok(counts.length > 10, `the reader ran throughout (${counts.length} reads)`);
    assert.ok(counts.every((c) => c === 20_000), `every read saw the whole table: ${[...new Set(counts)].join(', ')}`);
    await world.client.drop(pipe);
  });
});
