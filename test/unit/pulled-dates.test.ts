import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suspectDatesSql, suspectKey } from '../../src/clickhouse/pulled-dates.js';
import { oddDatesSql } from '../../src/mysql/pull-checks.js';
import type { ReplicatedColumn, TableSchema } from '../../src/pipe/table-schema.js';

const column = (name: string, kind: ReplicatedColumn['kind'], clickhouseType: string, nullable = false): ReplicatedColumn => ({
  name,
  kind,
  clickhouseType,
  nullable,
  sourceType: kind === 'bytes' ? 'varbinary(16)' : kind,
});

const schema = (columns: ReplicatedColumn[], key: string[]): TableSchema => ({ table: 't', columns, key, orderBy: key }) as TableSchema;

test('a table without dates has no suspects and no odd rows', () => {
  const s = schema([column('id', 'int', 'Int32'), column('v', 'string', 'String')], ['id']);
  assert.equal(suspectDatesSql(s), null);
  assert.equal(oddDatesSql(s), null);
});

test('every date column is checked, NULL allowed where the column allows it', () => {
  const s = schema([column('id', 'int', 'Int32'), column('d', 'date', 'Date32', true), column('t', 'datetime', "DateTime64(6, 'UTC')")], ['id']);
  const suspect = suspectDatesSql(s) ?? '';
  assert.match(suspect, /toYYYYMMDD\(`d`\).*toYYYYMMDD\(`t`\)/);
  for (const day of ['19700101', '19000101', '22991231', '301', '1201']) assert.ok(suspect.includes(day), day);
  const odd = oddDatesSql(s) ?? '';
  assert.match(odd, /^\(\(`d` IS NULL OR .*LAST_DAY\(`d`\).*\) AND \(`t` BETWEEN .*\)\) IS NOT TRUE$/);
});

test('suspect keys come back as the key tuples the source is asked about', () => {
  const s = schema([column('id', 'int', 'Int64'), column('b', 'bytes', 'String'), column('d', 'date', 'Date32')], ['id', 'b']);
  assert.deepEqual(suspectKey(s, ['42', '00FF27']), ['42', { base64: Buffer.from([0x00, 0xff, 0x27]).toString('base64') }]);
});
