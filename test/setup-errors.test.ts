import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestWorld, type RunningWorker } from './helpers/stack.js';
import { expectStatus } from './helpers/pipes.js';
import { spawnSync } from 'node:child_process';
import type { PipeConfigInput } from '../src/pipe/config.js';
import { SOURCE_USER } from '../scripts/stack/mariadb.js';
import { ensureTemporalCli } from '../scripts/stack/temporal-cli.js';

/**
 * What the source can get wrong is caught in Setup, before any row moves:
 * the pipe shows Failed with a message naming the problem, and nothing is
 * created in ClickHouse.
 */
describe('setup refuses a source it cannot replicate, by name', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  let n = 0;

  before(async () => {
    world = await TestWorld.create('setup');
    await world.root.query('CREATE TABLE good (id INT PRIMARY KEY, v VARCHAR(10))');
    await world.root.query('CREATE TABLE nokey (a INT NOT NULL, b VARCHAR(10))');
    await world.root.query(`INSERT INTO nokey VALUES (1, 'x'), (2, 'y')`);
    worker = await world.startWorker();
  });

  after(async () => {
    await worker?.stop();
    await world?.close();
  });

  async function expectSetupFailure(
    config: Omit<PipeConfigInput, 'name' | 'destination' | 'source'> & { source?: Partial<PipeConfigInput['source']> },
    message: RegExp,
  ) {
    const name = `bad-${++n}`;
    const destDb = `dst_${world.id}_${n}`;
    await world.client.create(world.config({ ...config, name, destination: { database: destDb } }));
    const view = await expectStatus(world, name, 'Failed', 30_000);
    assert.match(view.lastError ?? '', message);
    const [exists] = await world.destination().query<{ n: string }>(
      'SELECT count() AS n FROM system.databases WHERE name = {db:String}',
      { db: destDb },
    );
    assert.equal(Number(exists?.n), 0, 'nothing was created in ClickHouse');
    await world.client.drop(name);
  }

  it('a missing table', () =>
    expectSetupFailure({ tables: ['good', 'nosuch'] }, /table "nosuch" does not exist in source database/));

  it('a table without a primary key and no configured key', () =>
    expectSetupFailure({ tables: ['nokey'] }, /table "nokey" has no primary key: .*set "key"/));

  it('a key naming a missing column', () =>
    expectSetupFailure({ tables: [{ name: 'nokey', key: ['zzz'] }] }, /table "nokey": key names column "zzz"/));

  it('an ORDER BY naming a missing column', () =>
    expectSetupFailure({ tables: [{ name: 'good', orderBy: ['id', 'missing'] }] }, /orderBy names column "missing"/));

  it('an ORDER BY without the key', () =>
    expectSetupFailure({ tables: [{ name: 'good', orderBy: ['v'] }] }, /orderBy must contain every key column.*"id"/));

  it('a wrong password', () =>
    expectSetupFailure({ tables: ['good'], source: { user: 'root_nobody' } }, /cannot connect to the source root_nobody@127\.0\.0\.1.*Access denied/));

  it('a missing source database', () =>
    expectSetupFailure({ tables: ['good'], source: { database: 'no_such_db' } }, /cannot connect to the source .*no_such_db/));

  it('a binlog without full row metadata', async () => {
    await world.root.query('SET GLOBAL binlog_row_metadata = MINIMAL');
    try {
      await expectSetupFailure({ tables: ['good'] }, /not ready for CDC: binlog_row_metadata is MINIMAL, FULL is required/);
    } finally {
      await world.root.query('SET GLOBAL binlog_row_metadata = FULL');
    }
  });

  it('a binlog in STATEMENT format', async () => {
    await world.root.query('SET GLOBAL binlog_format = STATEMENT');
    try {
      await expectSetupFailure({ tables: ['good'] }, /not ready for CDC: binlog_format is STATEMENT, ROW is required/);
    } finally {
      await world.root.query('SET GLOBAL binlog_format = ROW');
    }
  });

  it('an unreachable host, after a few retries', () =>
    expectSetupFailure({ tables: ['good'], source: { host: '127.0.0.1', port: 1 } }, /cannot connect to the source .*127\.0\.0\.1:1.*ECONNREFUSED/));

  it('a duplicate pipe name', async () => {
    const config = world.config({ name: 'twice', destination: { database: `dst_${world.id}_twice` }, tables: ['good'] });
    await world.client.create(config);
    try {
      await assert.rejects(world.client.create(config), /a pipe named "twice" already exists/);
    } finally {
      await world.client.drop('twice');
    }
  });

  it('loads a table without a primary key when a key is configured', async () => {
    const name = 'nokey-with-key';
    const destDb = `dst_${world.id}_keyed`;
    await world.client.create(
      world.config({ name, destination: { database: destDb }, tables: [{ name: 'nokey', key: ['a'] }] }),
    );
    await expectStatus(world, name, 'Running', 30_000);
    const rows = await world.destination().query<{ a: number; b: string }>(`SELECT a, b FROM \`${destDb}\`.nokey FINAL ORDER BY a`);
    assert.deepEqual(rows, [
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ]);
    await world.client.drop(name);
  });

  /** `temporal workflow start`, as an operator would type it. */
  function temporalStart(workflowId: string, input: unknown) {
    const r = spawnSync(ensureTemporalCli(), [
      'workflow', 'start', '--address', world.env.address, '--task-queue', world.taskQueue,
      '--type', 'pipeWorkflow', '--workflow-id', workflowId, '--input', JSON.stringify(input),
    ], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  }

  it('checks and completes a configuration started with the temporal CLI', async () => {
    temporalStart('pipe:from-cli', {
      config: {
        name: 'from-cli',
        source: { port: world.env.port, user: SOURCE_USER, database: world.sourceDb, passwordSecret: 'test-source' },
        destination: { database: `dst_${world.id}_cli` },
        tables: ['good'],
        settings: { syncIntervalSeconds: 1 },
      },
    });
    await expectStatus(world, 'from-cli', 'Running', 30_000);
    await world.client.drop('from-cli');

    temporalStart('pipe:from-cli-bad', { config: { name: 'from-cli-bad', tables: [], settings: { pullBatchSize: 0 } } });
    const view = await expectStatus(world, 'from-cli-bad', 'Failed', 30_000);
    assert.match(view.lastError ?? '', /source: is required/);
    assert.match(view.lastError ?? '', /settings\.pullBatchSize: must be at least 1/);
    await world.client.drop('from-cli-bad');
  });
});
