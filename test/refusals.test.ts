import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestWorld, type RunningWorker } from './helpers/stack.js';
import { expectStatus } from './helpers/pipes.js';
import type { PipeConfigInput } from '../src/pipe/config.js';

/**
 * What the pipe could not replicate exactly is refused up front, before a
 * row moves, with a message that names the problem and what to do.
 */
describe('refused up front, by name', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  let n = 0;

  before(async () => {
    world = await TestWorld.create('refuse');
    const q = (sql: string) => world.root.query(sql);
    await q('CREATE TABLE parent (id INT PRIMARY KEY)');
    await q('CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE)');
    await q('INSERT INTO parent VALUES (1), (2)');
    await q('INSERT INTO child VALUES (10, 1), (20, 2)');
    await q('CREATE TABLE versioned (id INT PRIMARY KEY, v INT) WITH SYSTEM VERSIONING');
    await q('CREATE VIEW a_view AS SELECT id FROM parent');
    await q('CREATE TABLE old_dates (d DATE PRIMARY KEY, v INT)');
    await q("INSERT INTO old_dates VALUES ('1000-01-01', 1), ('2024-01-01', 2)");
    await q("SET SESSION sql_mode = ''");
    await q('CREATE TABLE zero_times (t DATETIME PRIMARY KEY, v INT)');
    await q("INSERT INTO zero_times VALUES ('0000-00-00 00:00:00', 1), ('1970-01-01 00:00:00', 2)");
    await q('CREATE TABLE partial_zero (d DATE PRIMARY KEY, v INT)');
    await q("INSERT INTO partial_zero VALUES ('2024-01-01', 1), ('2024-00-00', 2), ('2024-02-01', 3)");
    await q('CREATE TABLE nullable_key (a INT NULL, v INT)');
    await q('INSERT INTO nullable_key VALUES (NULL, 1), (0, 2)');
    await q('CREATE TABLE Mixed_Case (id INT PRIMARY KEY)');
    worker = await world.startWorker();
  });

  after(async () => {
    await worker?.stop();
    await world?.close();
  });

  async function expectRefusal(config: Omit<PipeConfigInput, 'name' | 'destination' | 'source'> & { source?: Partial<PipeConfigInput['source']> }, message: RegExp) {
    const name = `refused-${++n}`;
    await world.client.create(world.config({ ...config, name, destination: { database: `dst_${world.id}_${n}` } }));
    const view = await expectStatus(world, name, 'Failed', 30_000);
    assert.match(view.lastError ?? '', message);
    await world.client.drop(name);
  }

  it('a table changed by foreign-key cascades, unless the loss is accepted', async () => {
    await expectRefusal(
      { tables: ['child'] },
      /table "child" is changed by foreign key ".*" \(ON DELETE CASCADE, from table "parent"\): the source does not write such changes to the binlog.*"acceptMissingCascades": true/,
    );
    const name = 'cascade-accepted';
    await world.client.create(world.config({ name, destination: { database: `dst_${world.id}_fk` }, tables: [{ name: 'child', acceptMissingCascades: true }] }));
    await expectStatus(world, name, 'Running', 30_000);
    await world.client.drop(name);
  });

  it('a system-versioned table and a view', async () => {
    await expectRefusal({ tables: ['versioned'] }, /table "versioned" is system-versioned \(WITH SYSTEM VERSIONING\)/);
    await expectRefusal({ tables: ['a_view'] }, /table "a_view" is a view/);
  });

  it('keys that ClickHouse could not tell apart', async () => {
    await expectRefusal({ tables: ['old_dates'] }, /key column "d" holds 1000-01-01, which ClickHouse's Date32 cannot hold exactly/);
    await expectRefusal({ tables: ['zero_times'] }, /key column "t" holds 0000-00-00 00:00:00/);
    await expectRefusal({ tables: [{ name: 'nullable_key', key: ['a'] }] }, /key column "a" allows NULL at the source/);
    // A zero month between good keys passes Setup's range check; the load refuses the value, never writing it.
    await expectRefusal({ tables: ['partial_zero'] }, /value 2024-00-00 of column "d" is a key value ClickHouse cannot hold exactly/);
  });

  it('a table name in the wrong letter case, with the right one suggested', async () => {
    await expectRefusal({ tables: ['mixed_case'] }, /table "mixed_case" does not exist .*did you mean "Mixed_Case"\?/);
  });

  it('a second pipe reading the same source with the same server id', async () => {
    const first = world.config({ name: 'id-first', destination: { database: `dst_${world.id}_id1` }, tables: ['parent'], source: { serverId: 424242 } });
    await world.client.create(first);
    await expectStatus(world, 'id-first', 'Running', 30_000);
    try {
      await expectRefusal({ tables: ['parent'], source: { serverId: 424242 } }, /source\.serverId 424242 is already used by pipe "id-first" on the same source/);
    } finally {
      await world.client.drop('id-first');
    }
  });

  it("ClickHouse's own databases and an ORDER BY naming a column twice, also when the pipe is started from the Temporal UI or CLI", async () => {
    const raw = (name: string, patch: Record<string, unknown>) => ({
      ...world.config({ name, destination: { database: `dst_${world.id}_raw` }, tables: ['parent'] }),
      ...patch,
    });
    // pipectl refuses before anything starts.
    assert.throws(() => world.config({ name: 'sys', destination: { database: 'system' }, tables: ['parent'] }), /destination\.database: is one of ClickHouse's own databases/);
    // Started as a workflow with the raw input (what the Temporal UI sends), the pipe shows Failed with the same reason.
    for (const [name, patch, message] of [
      ['raw-system', { destination: { database: 'INFORMATION_SCHEMA' } }, /destination\.database: is one of ClickHouse's own databases/],
      ['raw-order-by', { tables: [{ name: 'parent', orderBy: ['id', 'id'] }] }, /tables\[0\]\.orderBy: lists column "id" twice/],
    ] as const) {
      await world.client.temporal.workflow.start('pipeWorkflow', { taskQueue: world.taskQueue, workflowId: `pipe:${name}`, args: [{ config: raw(name, patch) }] });
      const view = await expectStatus(world, name, 'Failed', 30_000);
      assert.match(view.lastError ?? '', message);
      await world.client.drop(name);
    }
  });

  it('a resync with a bad ORDER BY changes nothing', async () => {
    const name = 'order-by-twice';
    await world.client.create(world.config({ name, destination: { database: `dst_${world.id}_ob` }, tables: ['parent'] }));
    await expectStatus(world, name, 'Running', 30_000);
    await world.client.resync(name, { orderBy: { parent: ['id', 'id'] } });
    await assert.rejects(world.client.waitForResync(name, 30_000), /resync of pipe order-by-twice refused: tables\[0\]\.orderBy: lists column "id" twice/);
    const view = await world.client.status(name);
    assert.equal(view.status, 'Running');
    assert.deepEqual(view.recentStatuses.map((s) => s.status), ['Setup', 'Snapshot', 'Running']);
    await world.client.drop(name);
  });
});
