import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeBatch } from '../../src/cdc/change-batch.js';
import type { RowChange } from '../../src/mysql/binlog-stream.js';
import type { TableSchema } from '../../src/pipe/table-schema.js';
import { versionAt } from '../../src/pipe/version.js';

const schema: TableSchema = {
  table: 't',
  key: ['id'],
  orderBy: ['id'],
  columns: [
    { name: 'id', sourceType: 'int', clickhouseType: 'Int32', kind: 'int', nullable: false },
    { name: 'v', sourceType: 'varchar(10)', clickhouseType: 'String', kind: 'string', nullable: true },
  ],
};

const live = { source: 't', table: 't', schema };

const change = (op: RowChange['op'], before: Record<string, unknown> | null, after: Record<string, unknown> | null, end: number): RowChange => ({
  kind: 'change',
  table: 't',
  op,
  before,
  after,
  file: 'binlog.000002',
  end,
});

test('keeps the last change per key, with the version of its event', () => {
  const batch = new ChangeBatch([live]);
  batch.add(change('insert', null, { id: 1, v: 'a' }, 100));
  batch.add(change('update', { id: 1, v: 'a' }, { id: 1, v: 'b' }, 200));
  batch.add(change('insert', null, { id: 2, v: 'x' }, 300));
  batch.add(change('delete', { id: 2, v: 'x' }, null, 400));
  assert.equal(batch.size, 4);
  const rows = batch.drain().get('t');
  assert.deepEqual(rows, [`1\tb\t${versionAt('binlog.000002', 200)}\t0`, `2\tx\t${versionAt('binlog.000002', 400)}\t1`]);
  assert.deepEqual(batch.counts.t, { inserted: 2, updated: 1, deleted: 1 });
  assert.equal(batch.size, 0);
  assert.equal(batch.chars, 0);
});

test('an update that moves a row to another key deletes the old key', () => {
  const batch = new ChangeBatch([live]);
  batch.add(change('update', { id: 1, v: 'a' }, { id: 5, v: 'a' }, 100));
  const rows = batch.drain().get('t') ?? [];
  assert.deepEqual(rows.sort(), [`1\ta\t${versionAt('binlog.000002', 100)}\t1`, `5\ta\t${versionAt('binlog.000002', 100)}\t0`].sort());
});

test('ignores tables it was not given, and counts the characters it holds', () => {
  const batch = new ChangeBatch([live]);
  batch.add({ ...change('insert', null, { id: 1 }, 10), table: 'other' });
  assert.equal(batch.drain().size, 0);
  batch.add(change('insert', null, { id: 1, v: 'abc' }, 10));
  assert.equal(batch.chars, `1\tabc\t${versionAt('binlog.000002', 10)}\t0`.length);
});

test('a shadow takes the same changes, but only those past its start, each with its own columns', () => {
  const shadowSchema = { ...schema, columns: [...schema.columns, { name: 'x', sourceType: 'int', clickhouseType: 'Int32', kind: 'int' as const, nullable: true }] };
  const batch = new ChangeBatch([live, { source: 't', table: 't_resync', schema: shadowSchema, shadowFrom: { file: 'binlog.000002', pos: 150 } }]);
  batch.add(change('insert', null, { id: 1, v: 'a', x: 5 }, 100));
  batch.add(change('insert', null, { id: 2, v: 'b', x: 6 }, 200));
  const rows = batch.drain();
  assert.deepEqual(rows.get('t'), [`1\ta\t${versionAt('binlog.000002', 100)}\t0`, `2\tb\t${versionAt('binlog.000002', 200)}\t0`]);
  assert.deepEqual(rows.get('t_resync'), [`2\tb\t6\t${versionAt('binlog.000002', 200)}\t0`]);
  assert.deepEqual(batch.counts.t, { inserted: 2, updated: 0, deleted: 0 }, 'counted once per change');
  batch.stop('t_resync');
  batch.add(change('insert', null, { id: 3, v: 'c', x: 7 }, 300));
  assert.deepEqual([...batch.drain().keys()], ['t']);
});
