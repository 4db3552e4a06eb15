import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChangeBatch } from '../../src/cdc/change-batch.js';
import type { RowChange } from '../../src/mysql/binlog-reader.js';
import type { CdcTarget } from '../../src/contract/activity-io.js';
import { ChangeEncoder } from '../../src/cdc/change-encoder.js';
import { sourcesOf, WireReader, WireWriter, type WireMessage } from '../../src/cdc/change-wire.js';
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

/** A batch fed as the binlog thread feeds it: each change encoded for the same targets. */
function batchOf(targets: CdcTarget[]) {
  const batch = new ChangeBatch(targets);
  const encoder = new ChangeEncoder(targets);
  return Object.assign(batch, {
    put(c: RowChange) {
      const encoded = encoder.encode(c);
      if (encoded) batch.add(encoded);
    },
  });
}

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
  const batch = batchOf([live]);
  batch.put(change('insert', null, { id: 1, v: 'a' }, 100));
  batch.put(change('update', { id: 1, v: 'a' }, { id: 1, v: 'b' }, 200));
  batch.put(change('insert', null, { id: 2, v: 'x' }, 300));
  batch.put(change('delete', { id: 2, v: 'x' }, null, 400));
  assert.equal(batch.size, 4);
  const rows = batch.drain().get('t')?.lines();
  assert.deepEqual(rows, [`1\tb\t${versionAt('binlog.000002', 200)}\t0`, `2\tx\t${versionAt('binlog.000002', 400)}\t1`]);
  assert.deepEqual(batch.counts.t, { inserted: 2, updated: 1, deleted: 1 });
  assert.equal(batch.size, 0);
  assert.equal(batch.chars, 0);
});

test('an update that moves a row to another key deletes the old key', () => {
  const batch = batchOf([live]);
  batch.put(change('update', { id: 1, v: 'a' }, { id: 5, v: 'a' }, 100));
  const rows = batch.drain().get('t')?.lines() ?? [];
  assert.deepEqual(rows.sort(), [`1\ta\t${versionAt('binlog.000002', 100)}\t1`, `5\ta\t${versionAt('binlog.000002', 100)}\t0`].sort());
});

test('ignores tables it was not given, and counts the characters it holds', () => {
  const batch = batchOf([live]);
  batch.put({ ...change('insert', null, { id: 1 }, 10), table: 'other' });
  assert.equal(batch.drain().size, 0);
  batch.put(change('insert', null, { id: 1, v: 'abc' }, 10));
  assert.equal(batch.chars, `1\tabc\t${versionAt('binlog.000002', 10)}\t0\n`.length);
});

test('a shadow takes the same changes, but only those past its start, each with its own columns', () => {
  const shadowSchema = { ...schema, columns: [...schema.columns, { name: 'x', sourceType: 'int', clickhouseType: 'Int32', kind: 'int' as const, nullable: true }] };
  const batch = batchOf([live, { source: 't', table: 't_resync', schema: shadowSchema, shadowFrom: { file: 'binlog.000002', pos: 150 } }]);
  batch.put(change('insert', null, { id: 1, v: 'a', x: 5 }, 100));
  batch.put(change('insert', null, { id: 2, v: 'b', x: 6 }, 200));
  const rows = batch.drain();
  assert.deepEqual(rows.get('t')?.lines(), [`1\ta\t${versionAt('binlog.000002', 100)}\t0`, `2\tb\t${versionAt('binlog.000002', 200)}\t0`]);
  assert.deepEqual(rows.get('t_resync')?.lines(), [`2\tb\t6\t${versionAt('binlog.000002', 200)}\t0`]);
  assert.deepEqual(batch.counts.t, { inserted: 2, updated: 0, deleted: 0 }, 'counted once per change');
  batch.stop('t_resync');
  batch.put(change('insert', null, { id: 3, v: 'c', x: 7 }, 300));
  assert.deepEqual([...batch.drain().keys()], ['t']);
});

test('a value its column cannot hold fails the batch where a target takes it, not where none does', () => {
  const narrow: TableSchema = { ...schema, columns: [schema.columns[0]!, { name: 'v', sourceType: 'int', clickhouseType: 'Int8', kind: 'int', nullable: false }] };
  const shadow = { source: 't', table: 't_resync', schema: narrow, shadowFrom: { file: 'binlog.000002', pos: 150 } };
  const batch = batchOf([live, shadow]);
  // Before the shadow's start: only the live table (a String) takes it.
  batch.put(change('insert', null, { id: 1, v: 1000 }, 100));
  assert.throws(() => batch.put(change('insert', null, { id: 2, v: 1000 }, 200)), /v/);
});

test('items cross the thread boundary unchanged, rows and all, across slabs and messages', () => {
  const targets = [live];
  const messages: WireMessage[] = [];
  const wire = new WireWriter(sourcesOf(targets));
  const send = (bytes: Buffer) => {
    // What postMessage does to the message (its arrays transferred or copied alike).
    messages.push(structuredClone({ ...wire.take(), bytes }));
  };
  const encoder = new ChangeEncoder(targets, send);
  const long = 'x'.repeat(600_000);
  for (let id = 1; id <= 12; id++) {
    const encoded = encoder.encode(change(id % 3 === 0 ? 'update' : 'insert', { id: id + 100, v: 'old' }, { id, v: id % 4 === 0 ? long : `v${id}` }, 100 * id));
    wire.change(encoded!);
    if (id === 5) wire.item({ kind: 'commit', position: { file: 'binlog.000002', pos: 550 } });
    if (id === 6) send(encoder.take());
  }
  send(encoder.take());
  assert.ok(messages.length >= 3, 'messages cut by hand and when a slab filled');
  const batch = new ChangeBatch(targets);
  const kinds: string[] = [];
  for (const m of messages) {
    const reader = new WireReader(m, sourcesOf(targets));
    for (let item = reader.next(); item; item = reader.next()) {
      kinds.push(item.kind);
      if (item.kind === 'change') batch.add(item);
    }
  }
  assert.equal(kinds.filter((k) => k === 'change').length, 12);
  assert.equal(kinds.indexOf('commit'), 5);
  const lines = batch.drain().get('t')!.lines();
  const expected: string[] = [];
  for (let id = 1; id <= 12; id++) {
    const version = versionAt('binlog.000002', 100 * id);
    if (id % 3 === 0) expected.push(`${id + 100}\told\t${version}\t1`);
    expected.push(`${id}\t${id % 4 === 0 ? long : `v${id}`}\t${version}\t0`);
  }
  assert.deepEqual(lines, expected);
});

test('text keys and refused values cross the thread boundary too', () => {
  const byText = { source: 't', table: 't_by_v', schema: { ...schema, orderBy: ['v'] } };
  const narrow = { source: 't', table: 't_narrow', schema: { ...schema, columns: [schema.columns[0]!, { ...schema.columns[1]!, kind: 'int' as const, clickhouseType: 'Int8' }] } };
  const targets = [byText, narrow];
  const wire = new WireWriter(sourcesOf(targets));
  const encoder = new ChangeEncoder(targets);
  const original = encoder.encode(change('update', { id: 1, v: 'a' }, { id: 1, v: 'b' }, 100))!;
  wire.change(original);
  const message = structuredClone({ ...wire.take(), bytes: encoder.take() });
  const copy = new WireReader(message, sourcesOf(targets)).next();
  assert.equal(copy?.kind, 'change');
  if (copy?.kind !== 'change') return;
  assert.deepEqual(copy.rows, original.rows);
  assert.equal(copy.rows[0]!.moved, 'a');
  assert.match(copy.rows[1]!.error?.message ?? '', /v/);
});
