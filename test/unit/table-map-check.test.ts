import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableMapProblem, type BinlogColumn } from '../../src/mysql/table-map-check.js';
import type { TableSchema } from '../../src/pipe/table-schema.js';

const schema: TableSchema = {
  table: 't',
  key: ['id'],
  orderBy: ['id'],
  excludedColumns: ['secret'],
  sourcePrimaryKey: ['id'],
  columns: [
    { name: 'id', sourceType: 'int(11)', clickhouseType: 'Int32', kind: 'int', nullable: false },
    { name: 'n', sourceType: 'int(11)', clickhouseType: 'Int32', kind: 'int', nullable: true },
    { name: 'd', sourceType: 'decimal(10,2)', clickhouseType: 'Decimal(10, 2)', kind: 'decimal', nullable: false },
    { name: 'v', sourceType: 'varchar(10)', clickhouseType: 'String', kind: 'string', nullable: false },
    { name: 'e', sourceType: "enum('a')", clickhouseType: 'LowCardinality(String)', kind: 'string', nullable: false },
    { name: 'u', sourceType: 'uuid', clickhouseType: 'UUID', kind: 'uuid', nullable: false },
  ],
};

const base: BinlogColumn[] = [
  { name: 'id', columnType: 'int', nullable: false },
  { name: 'n', columnType: 'int', nullable: true },
  { name: 'd', columnType: 'decimal(10,2)', nullable: false },
  { name: 'v', columnType: 'varchar(10)', nullable: false },
  { name: 'e', columnType: "enum('a')", nullable: false },
  { name: 'u', columnType: 'binary(16)', nullable: false },
  { name: 'secret', columnType: 'text', nullable: true },
];
const change = (name: string, c: Partial<BinlogColumn>) => base.map((b) => (b.name === name ? { ...b, ...c } : b));

test('the same shape fits, and so do changes every value of which still fits', () => {
  assert.equal(tableMapProblem(schema, base, ['id']), null);
  assert.equal(tableMapProblem(schema, change('v', { columnType: 'varchar(200)' }), ['id']), null);
  assert.equal(tableMapProblem(schema, change('e', { columnType: "enum('a','b')" }), ['id']), null);
  assert.equal(tableMapProblem(schema, change('n', { nullable: false }), ['id']), null);
  // A dropped column keeps its ClickHouse column.
  assert.equal(tableMapProblem(schema, base.filter((c) => c.name !== 'n'), ['id']), null);
});

test('a change some value of which would not fit stops the table, naming the column', () => {
  assert.match(tableMapProblem(schema, change('n', { columnType: 'bigint' }), ['id']) ?? '', /column "n" is now bigint \(ClickHouse column Int32/);
  assert.match(tableMapProblem(schema, change('d', { columnType: 'decimal(10,4)' }), ['id']) ?? '', /column "d" is now decimal\(10,4\)/);
  assert.match(tableMapProblem(schema, change('v', { columnType: 'varbinary(10)' }), ['id']) ?? '', /column "v"/);
  assert.match(tableMapProblem(schema, change('d', { nullable: true }), ['id']) ?? '', /column "d" now allows NULL/);
  assert.match(tableMapProblem(schema, change('u', { columnType: 'varchar(36)' }), ['id']) ?? '', /column "u" is now varchar\(36\)/);
  assert.match(tableMapProblem(schema, [...base, { name: 'x', columnType: 'int', nullable: true }], ['id']) ?? '', /column "x" added/);
  assert.match(tableMapProblem(schema, base.filter((c) => c.name !== 'id'), ['id']) ?? '', /key column "id" was dropped/);
  assert.match(tableMapProblem(schema, base, ['id', 'n']) ?? '', /primary key is now \(id, n\)/);
});
