import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXaStatement, xaId, XaTransactions } from '../../src/mysql/xa-transactions.js';
import { FailureStreak } from '../../src/pipe/failure-streak.js';
import { fitCheck } from '../../src/clickhouse/value-fit.js';
import type { TableSchema } from '../../src/pipe/table-schema.js';

test('XA statements and GTID flags name a transaction the same way', () => {
  assert.deepEqual(parseXaStatement("XA COMMIT X'62',X'',1"), { verb: 'COMMIT', id: '62,,1' });
  assert.deepEqual(parseXaStatement("XA ROLLBACK X'6162',X'63',7"), { verb: 'ROLLBACK', id: '6162,63,7' });
  assert.equal(parseXaStatement('COMMIT'), null);
  assert.equal(xaId(Buffer.from('ab'), Buffer.from('c'), 7), '6162,63,7');
});

test('an XA transaction is held until decided, and holds the resume point back until then', () => {
  const xa = new XaTransactions<string>();
  const start = { file: 'b.000001', pos: 100 };
  xa.begin('1,,1', start);
  assert.equal(xa.holding, true);
  xa.hold('row-a');
  assert.deepEqual(xa.endPrepared(false), []);
  assert.equal(xa.holding, false);
  assert.deepEqual(xa.cap({ file: 'b.000002', pos: 4 }), start);
  assert.deepEqual(xa.decide('1,,1', true), ['row-a']);
  assert.deepEqual(xa.cap({ file: 'b.000002', pos: 4 }), { file: 'b.000002', pos: 4 });
  assert.equal(xa.decide('1,,1', true), null, 'decided once');
  xa.begin('2,,1', start);
  xa.hold('row-b');
  xa.endPrepared(false);
  assert.deepEqual(xa.decide('2,,1', false), [], 'a rollback applies nothing');
  xa.begin('3,,1', start);
  xa.hold('row-c');
  assert.deepEqual(xa.endPrepared(true), ['row-c'], 'one phase: committed at once');
});

test('the same failure many times in a row gives up; transient faults never do', () => {
  const streak = new FailureStreak(3);
  let attempt = 0;
  const fail = (error: string, transient = false) => streak.record({ activity: 'pullChanges', error, attempt: ++attempt, transient });
  assert.equal(fail('Code: 69. Too many digits (query 1234)'), null);
  assert.equal(fail('ECONNRESET', true), null);
  assert.equal(fail('Code: 69. Too many digits (query 5678)'), null);
  assert.match(fail('Code: 69. Too many digits (query 9)') ?? '', /failed 3 times in a row/);
  streak.reset();
  assert.equal(fail('other'), null);
});

test('values their column cannot hold are refused', () => {
  const schema: TableSchema = {
    table: 't',
    key: ['day'],
    orderBy: ['day'],
    columns: [
      { name: 'day', sourceType: 'date', clickhouseType: 'Date32', kind: 'date', nullable: false },
      { name: 'n', sourceType: 'int', clickhouseType: 'Int32', kind: 'int', nullable: true },
      { name: 'd', sourceType: 'decimal(10,2)', clickhouseType: 'Decimal(10, 2)', kind: 'decimal', nullable: true },
      { name: 'u', sourceType: 'bigint unsigned', clickhouseType: 'UInt64', kind: 'int', nullable: true },
    ],
  };
  const [day, n, d, u] = schema.columns.map((c) => fitCheck(schema, c)!);
  n!(2147483647);
  assert.throws(() => n!(9000000000), /value 9000000000 of column "n" does not fit ClickHouse Int32/);
  assert.throws(() => n!('-2147483649'), /does not fit/);
  u!('18446744073709551615');
  assert.throws(() => u!('18446744073709551616'), /does not fit ClickHouse UInt64/);
  d!('99999999.99');
  d!('1.10');
  assert.throws(() => d!('123456.7891'), /without losing digits/);
  assert.throws(() => d!('123456789.00'), /without losing digits/);
  day!('2024-02-29');
  assert.throws(() => day!('1800-01-01'), /key value ClickHouse cannot hold exactly/);
  assert.throws(() => day!('0000-00-00'), /key value/);
});
