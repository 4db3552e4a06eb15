import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestWorld, type RunningWorker } from './helpers/stack.js';
import { expectStatus, waitCaughtUp, assertSameAsSource } from './helpers/pipes.js';
import { quoteMysqlIdent } from '../src/mysql/quote.js';

/**
 * Names that break naive quoting — backticks, quotes, spaces, dots, a
 * reserved word, non-ASCII letters, an injection attempt — replicate into
 * ClickHouse under the same names, by the initial load and by CDC.
 */
describe('identifiers that try to break quoting', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  const table = "we`ird tab.le'; DROP TABLE x; --";
  const cols = ['id`1', 'na"me', "it's", 'sp ace', 'select', 'ключ', 'a.b'];
  const key = ['id`1', 'ключ'];
  const dst = () => `dst ${world.id}.\`odd\``;

  before(async () => {
    world = await TestWorld.create('idents');
    const q = quoteMysqlIdent;
    await world.root.query(
      `CREATE TABLE ${q(table)} (${q('id`1')} INT NOT NULL, ${q('na"me')} VARCHAR(20), ${q("it's")} INT, ${q('sp ace')} TEXT,
        ${q('select')} DECIMAL(8,2), ${q('ключ')} VARCHAR(10) NOT NULL, ${q('a.b')} DATE, PRIMARY KEY (${q('id`1')}, ${q('ключ')}))`,
    );
    await world.root.query(
      `INSERT INTO ${q(table)} SELECT seq, CONCAT('n', seq), seq * 2, REPEAT('x', seq % 7), seq / 3, IF(seq % 2, 'да', 'нет'), '2024-02-29' FROM seq_1_to_3000`,
    );
    worker = await world.startWorker();
    await world.client.create(
      world.config({ name: 'idents', destination: { database: dst() }, tables: [table], settings: { snapshotRowsPerPartition: 700 } }),
    );
  });

  after(async () => {
    await world.client.drop('idents').catch(() => undefined);
    await worker?.stop();
    await world?.close();
  });

  it('loads and follows them under the same names', async () => {
    await expectStatus(world, 'idents', 'Running');
    const q = quoteMysqlIdent;
    await world.root.query(`UPDATE ${q(table)} SET ${q("it's")} = -1, ${q('sp ace')} = 'changed' WHERE ${q('id`1')} <= 10`);
    await world.root.query(`DELETE FROM ${q(table)} WHERE ${q('id`1')} BETWEEN 100 AND 110`);
    await world.root.query(`INSERT INTO ${q(table)} VALUES (9999, 'new', 1, 'y', 1.5, 'ключ', NULL)`);
    await waitCaughtUp(world, 'idents');
    await assertSameAsSource(world, dst(), table, cols, key);
    const names = await world.destination().query<{ name: string }>(
      'SELECT name FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position',
      { db: dst(), t: table },
    );
    assert.deepEqual(names.map((n) => n.name).slice(0, cols.length), cols);
  });
});
