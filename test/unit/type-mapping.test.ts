import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clickhouseTypeFor, type SourceColumn } from '../../src/pipe/type-mapping.js';

const column = (dataType: string, columnType = dataType, extra: Partial<SourceColumn> = {}): SourceColumn => ({
  name: 'c',
  dataType,
  columnType,
  nullable: false,
  numericPrecision: null,
  numericScale: null,
  datetimePrecision: null,
  ...extra,
});

test('every source type maps to the ClickHouse type of the README table', () => {
  const cases: [SourceColumn, string][] = [
    [column('tinyint', 'tinyint(1)'), 'Int8'],
    [column('mediumint', 'mediumint unsigned'), 'UInt32'],
    [column('bigint', 'bigint(20) unsigned'), 'UInt64'],
    [column('decimal', 'decimal(65,30)', { numericPrecision: 65, numericScale: 30 }), 'Decimal(65, 30)'],
    [column('float'), 'Float32'],
    [column('double'), 'Float64'],
    [column('bit', 'bit(64)'), 'UInt64'],
    [column('date'), 'Date32'],
    [column('datetime', 'datetime(6)', { datetimePrecision: 6 }), "DateTime64(6, 'UTC')"],
    [column('timestamp', 'timestamp(3)', { datetimePrecision: 3 }), "DateTime64(3, 'UTC')"],
    [column('time', 'time(6)'), 'String'],
    [column('year'), 'UInt16'],
    [column('enum', "enum('a','b')"), 'LowCardinality(String)'],
    [column('set', "set('a','b')"), 'String'],
    [column('varbinary', 'varbinary(4)'), 'String'],
    [column('point'), 'String'],
    [column('uuid'), 'UUID'],
    [column('inet6'), 'IPv6'],
    [column('inet4'), 'IPv4'],
    [column('vector', 'vector(3)'), 'String'],
  ];
  for (const [c, expected] of cases) assert.equal(clickhouseTypeFor(c).type, expected, c.columnType);
});
