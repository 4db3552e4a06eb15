import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitForRetries } from './helpers/pipes.js';
import { TestWorld, type RunningWorker } from './helpers/stack.js';
import { LOCAL_SOURCE_PASSWORD } from '../scripts/stack/mariadb.js';

/**
 * The one place a password leaves the worker is the pull mode's statement to
 * ClickHouse (mysql() needs it). When that statement fails, the error that
 * reaches Temporal and `status` carries no password.
 */
describe('secrets in errors', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  const pipe = 'secrets';

  before(async () => {
    world = await TestWorld.create('secrets');
    await world.root.query('CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL)');
    await world.root.query('INSERT INTO t SELECT seq, seq FROM seq_1_to_100');
    worker = await world.startWorker();
  });

  after(async () => {
    await world.client.drop(pipe).catch(() => undefined);
    await worker?.stop();
    await world?.close();
  });

  it('a failing pull shows its reason in status, without the password', async () => {
    // ClickHouse is sent to a port where no MySQL listens.
    await world.client.create(
      world.config({ name: pipe, source: { addressForClickHouse: '127.0.0.1:1' }, destination: { database: `dst_${world.id}` }, tables: ['t'], settings: { loadMode: 'pull' } }),
    );
    const view = await waitForRetries(world, pipe, 1);
    assert.match(view.lastError ?? '', /pulling chunk 0 of t into ClickHouse failed: .*127\.0\.0\.1/);
    assert.ok(!JSON.stringify(view).includes(LOCAL_SOURCE_PASSWORD), 'no password in status');
  });
});
