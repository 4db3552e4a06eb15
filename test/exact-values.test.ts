import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from 'mysql2/promise';
import { TestWorld, type RunningWorker } from './helpers/stack.js';
import { expectStatus, waitCaughtUp, waitForReload, waitForTableState } from './helpers/pipes.js';
import { qualifiedChTable } from '../src/clickhouse/quote.js';

/**
 * Every value arrives exactly, or not at all: FLOAT keys that the text
 * protocol's 6 digits would merge stay apart by every path, and a value too
 * large for its ClickHouse column is refused by the initial load, the pull
 * mode and CDC, never wrapped or rounded.
 */
describe('values arrive exactly or not at all', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  const dst = (suffix: string) => `dst_${world.id}_${suffix}`;

  before(async () => {
    world = await TestWorld.create('exact');
    worker = await world.startWorker();
  });

  after(async () => {
    await worker?.stop();
    await world?.close();
  });

  /** Source FLOATs as the doubles they are exactly, and ClickHouse's Float32s widened the same way. */
  async function floats(db: string): Promise<{ source: string[]; destination: string[] }> {
    const [src] = await world.root.query<RowDataPacket[]>({ sql: 'SELECT CAST(f AS DOUBLE), v FROM fkey ORDER BY f', rowsAsArray: true });
    const got = await world.destination().query<{ f: number; v: number }>(`SELECT toFloat64(f) AS f, v FROM ${qualifiedChTable(db, 'fkey')} FINAL ORDER BY f`);
    return {
      source: (src as unknown as [number, number][]).map(([f, v]) => `${f}:${v}`),
      destination: got.map((r) => `${r.f}:${r.v}`),
    };
  }

  it('FLOAT keys that 6 digits would merge stay apart: initial load (chunked by key), CDC and resync', async () => {
    await world.root.query('CREATE TABLE fkey (f FLOAT PRIMARY KEY, v INT NOT NULL)');
    await world.root.query('INSERT INTO fkey VALUES (16777216, 1), (16777218, 2), (16777220, 3), (0.12345678, 4), (0.12345679, 5), (3.4028234e38, 6), (-1.17549435e-38, 7)');
    const pipe = 'float-keys';
    await world.client.create(world.config({ name: pipe, destination: { database: dst('f') }, tables: ['fkey'], settings: { snapshotRowsPerPartition: 2 } }));
    await expectStatus(world, pipe, 'Running', 60_000);
    let got = await floats(dst('f'));
    assert.equal(got.destination.length, 7);
    assert.deepEqual(got.destination, got.source);
    await world.root.query('INSERT INTO fkey VALUES (16777222, 8)');
    await world.root.query('UPDATE fkey SET v = v + 10 WHERE f > 16777217');
    await waitCaughtUp(world, pipe);
    got = await floats(dst('f'));
    assert.deepEqual(got.destination, got.source);
    await world.client.resync(pipe);
    await world.client.waitForResync(pipe, 60_000);
    got = await floats(dst('f'));
    assert.deepEqual(got.destination, got.source);
    await world.client.drop(pipe);
  });

  it('a column widened before its load is loaded with its new type; CDC refuses a value its column cannot hold', async () => {
    for (const mode of ['stream', 'pull'] as const) {
      const table = `big_${mode}`;
      await world.root.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, n INT)`);
      await world.root.query(`INSERT INTO ${table} SELECT seq, seq FROM seq_1_to_20`);
      const pipe = `too-large-${mode}`;
      // Paused before the load starts: the column changes after the pipe read its schema.
      await world.client.create(world.config({ name: pipe, destination: { database: dst(mode) }, tables: [table], settings: { loadMode: mode } }));
      await world.client.pause(pipe);
      await expectStatus(world, pipe, 'Paused', 30_000);
      await world.root.query(`ALTER TABLE ${table} MODIFY n BIGINT`);
      await world.root.query(`UPDATE ${table} SET n = 9000000000 WHERE id = 20`);
      await world.client.resume(pipe);
      // The load sees the definition changed and loads the table again with the new type; never a wrapped value.
      await waitForReload(world, pipe, table);
      assert.match((await world.client.status(pipe)).lastError ?? '', new RegExp(`table "${table}" changed at the source during its load: column "n" is now bigint`));
      await waitCaughtUp(world, pipe);
      const rows = await world.destination().query<{ id: number; n: string }>(
        `SELECT id, toString(n) AS n FROM ${qualifiedChTable(dst(mode), table)} FINAL WHERE NOT _peerdb_is_deleted AND id IN (19, 20) ORDER BY id`,
      );
      assert.deepEqual(rows.map((r) => [Number(r.id), r.n]), [[19, '19'], [20, '9000000000']], `${mode}: the value arrives exactly`);
      await world.client.drop(pipe);
    }

    await world.root.query('CREATE TABLE big_cdc (id INT PRIMARY KEY, n INT)');
    await world.root.query('INSERT INTO big_cdc VALUES (1, 1)');
    await world.client.create(world.config({ name: 'too-large-cdc', destination: { database: dst('cdc') }, tables: ['big_cdc'] }));
    await expectStatus(world, 'too-large-cdc', 'Running', 30_000);
    // A logged widening is followed: the value arrives exactly.
    await world.root.query('ALTER TABLE big_cdc MODIFY n BIGINT');
    await world.root.query('INSERT INTO big_cdc VALUES (2, 9000000000)');
    await waitCaughtUp(world, 'too-large-cdc');
    const [followed] = await world.destination().query<{ n: string }>(`SELECT toString(n) AS n FROM ${qualifiedChTable(dst('cdc'), 'big_cdc')} FINAL WHERE id = 2`);
    assert.equal(followed?.n, '9000000000');
    // A change the binlog never showed (written with sql_log_bin = 0): rows arrive with a type the
    // destination column cannot hold; the table stops instead of wrapping the value.
    await world.root.query('SET SESSION sql_log_bin = 0');
    await world.root.query('ALTER TABLE big_cdc MODIFY n DECIMAL(30,0)');
    await world.root.query('SET SESSION sql_log_bin = 1');
    await world.root.query('INSERT INTO big_cdc VALUES (3, 123456789012345678901234567890)');
    assert.match(await waitForTableState(world, 'too-large-cdc', 'big_cdc', 'NeedsResync'), /column "n" is now decimal/);
    const [rows] = await world.destination().query<{ rows: string }>(`SELECT count() AS rows FROM ${qualifiedChTable(dst('cdc'), 'big_cdc')} WHERE id = 3`);
    assert.equal(Number(rows?.rows), 0);
    await world.client.drop('too-large-cdc');
  });

  it('a key date ClickHouse cannot hold, arriving by CDC, stops the pipe instead of merging two keys', async () => {
    await world.root.query('CREATE TABLE day_key (d DATE PRIMARY KEY, v INT)');
    await world.root.query("INSERT INTO day_key VALUES ('1900-01-01', 1)");
    const pipe = 'key-date';
    await world.client.create(world.config({ name: pipe, destination: { database: dst('d') }, tables: ['day_key'] }));
    await expectStatus(world, pipe, 'Running', 30_000);
    await world.root.query("INSERT INTO day_key VALUES ('1800-01-01', 2)");
    const failed = await expectStatus(world, pipe, 'Failed', 30_000);
    assert.match(failed.lastError ?? '', /value 1800-01-01 of column "d" is a key value ClickHouse cannot hold exactly/);
    const rows = await world.destination().query<{ v: number }>(`SELECT v FROM ${qualifiedChTable(dst('d'), 'day_key')} FINAL`);
    assert.deepEqual(rows.map((r) => Number(r.v)), [1], 'the existing key was not overwritten');
    await world.client.drop(pipe);
  });
});
