import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestWorld, type RunningWorker } from './helpers/stack.js';
import { physicalRows } from './helpers/compare.js';
import { expectStatus, waitCaughtUp, assertSameAsSource, waitForRetries } from './helpers/pipes.js';
import type { Destination } from '../src/clickhouse/destination.js';

/** What the fault injector does to the next calls, while `fault` is set. */
type Fault = 'reject inserts' | 'drop connection' | 'reject DDL' | null;

/**
 * ClickHouse failing for a while, through a fault-injecting wrapper around
 * the real engine: inserts rejected, the connection dropped mid-call, DDL
 * rejected.
 * The activities retry with backoff, `status` shows the last error and the
 * retry count, and the pipe recovers by itself when the fault ends, with
 * nothing lost or doubled.
 */
describe('ClickHouse failing for a while', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  let fault: Fault = null;
  let rejected = 0;
  const pipe = 'chfault';
  const dst = () => `dst_${world.id}`;
  const cols = ['id', 'v'];
  const ROWS = 30_000;

  function faulty(real: Destination): Destination {
    const check = () => {
      if (fault === 'reject inserts') {
        rejected++;
        throw new Error('Code: 241. DB::Exception: Memory limit exceeded (injected)');
      }
      if (fault === 'drop connection') {
        rejected++;
        throw Object.assign(new Error('socket hang up (injected)'), { code: 'ECONNRESET' });
      }
    };
    return {
      kind: real.kind,
      async command(sql, params) {
        if (fault === 'reject DDL' && /^CREATE/.test(sql)) {
          rejected++;
          throw new Error('Code: 242. DB::Exception: Table is in readonly mode (injected)');
        }
        await real.command(sql, params);
      },
      query: (sql, params) => real.query(sql, params),
      async insert(...args) {
        check();
        await real.insert(...args);
        // A connection lost after the server took the rows: the retry must not double them.
        check();
      },
      largeBody: () => real.largeBody(),
      close: () => real.close(),
    };
  }



  before(async () => {
    world = await TestWorld.create('chfault');
    await world.root.query('CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)');
    await world.root.query(`INSERT INTO t SELECT seq, seq FROM seq_1_to_${ROWS}`);
    worker = await world.startWorker(faulty);
  });

  after(async () => {
    fault = null;
    await world.client.drop(pipe).catch(() => undefined);
    await worker?.stop();
    await world?.close();
  });

  it('during the initial load: retried, shown, recovered, each row once', async () => {
    fault = 'reject inserts';
    await world.client.create(
      world.config({ name: pipe, destination: { database: dst() }, tables: ['t'], settings: { snapshotRowsPerPartition: 10_000, syncIntervalSeconds: 1, loadMode: 'stream' } }),
    );
    const view = await waitForRetries(world, pipe, 2);
    assert.equal(view.status, 'Snapshot');
    assert.match(view.lastError ?? '', /loadChunk \(attempt \d+, retrying\): Code: 241.*injected/);
    fault = null;
    await expectStatus(world, pipe, 'Running', 120_000);
    await assertSameAsSource(world, dst(), 't', cols, ['id']);
    assert.equal(await physicalRows(world.destination(), dst(), 't'), ROWS);
  });

  it('during CDC, with the connection dropped after the rows were taken', async () => {
    const before = (await world.client.status(pipe)).retries ?? 0;
    fault = 'drop connection';
    await world.root.query('UPDATE t SET v = -v WHERE id <= 5000');
    await world.root.query('DELETE FROM t WHERE id > 29000');
    const view = await waitForRetries(world, pipe, before + 2);
    assert.equal(view.status, 'Running');
    assert.match(view.lastError ?? '', /pullChanges \(attempt \d+, retrying\): socket hang up/);
    fault = null;
    await waitCaughtUp(world, pipe, 120_000);
    await assertSameAsSource(world, dst(), 't', cols, ['id']);
    assert.ok(rejected >= 4);
  });

  it('while a table is added, with its DDL rejected for a few seconds', async () => {
    await world.root.query('CREATE TABLE t2 (id INT PRIMARY KEY, w VARCHAR(10) NOT NULL)');
    await world.root.query("INSERT INTO t2 SELECT seq, CONCAT('w', seq) FROM seq_1_to_1000");
    const before = (await world.client.status(pipe)).retries ?? 0;
    fault = 'reject DDL';
    await world.client.addTables(pipe, ['t2']);
    const view = await waitForRetries(world, pipe, before + 1);
    assert.match(view.lastError ?? '', /preparePipe \(attempt \d+, retrying\): Code: 242.*injected/);
    fault = null;
    await waitCaughtUp(world, pipe, 120_000);
    await expectStatus(world, pipe, 'Running');
    const [n] = await world.destination().query<{ n: string }>(`SELECT count() AS n FROM \`${dst()}\`.t2 FINAL`);
    assert.equal(Number(n?.n), 1000);
  });
});
