import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRow, encodeValue } from '../../src/clickhouse/row-encoder.js';
import type { ReplicatedColumn, TableSchema, ValueKind } from '../../src/pipe/table-schema.js';

const col = (kind: ValueKind, clickhouseType: string, nullable = false, name = 'c'): ReplicatedColumn => ({
  name,
  sourceType: kind,
  clickhouseType,
  kind,
  nullable,
});

test('numbers keep their exact digits, as strings or numbers', () => {
  assert.equal(encodeValue(col('int', 'UInt64'), '18446744073709551615'), '18446744073709551615');
  assert.equal(encodeValue(col('int', 'Int32'), -5), '-5');
  assert.equal(encodeValue(col('decimal', 'Decimal(65, 30)'), '-12345678901234567890123456789012345.123456789012345678901234567890'), '-12345678901234567890123456789012345.123456789012345678901234567890');
  assert.equal(encodeValue(col('float', 'Float64'), 0.1), '0.1');
  assert.throws(() => encodeValue(col('int', 'Int32'), 'abc'), /column c: string value is not a Int32/);
});

test('text escapes exactly the characters TabSeparated needs', () => {
  assert.equal(encodeValue(col('string', 'String'), 'a\tb\nc\\d\re\0f'), 'a\\tb\\nc\\\\d\\re\\0f');
  assert.equal(encodeValue(col('string', 'String'), 'ünï 😀'), 'ünï 😀');
});

test('bytes are written as \\xNN where they are not plain ASCII', () => {
  assert.equal(encodeValue(col('bytes', 'String'), Buffer.from([0x41, 0x00, 0xff, 0x5c])), 'A\\x00\\xff\\x5c');
});

test('NULL, a dropped column, and zero dates', () => {
  assert.equal(encodeValue(col('int', 'Int32', true), null), '\\N');
  // undefined: the row no longer has the column (dropped at the source).
  assert.equal(encodeValue(col('int', 'Int32', true), undefined), '\\N');
  assert.equal(encodeValue(col('int', 'Int32', false), undefined), '0');
  assert.equal(encodeValue(col('date', 'Date32', true), '0000-00-00'), '\\N');
  assert.equal(encodeValue(col('date', 'Date32', false), '2024-00-10'), '1970-01-01');
  assert.equal(encodeValue(col('datetime', "DateTime64(6, 'UTC')", false), '0000-00-00 00:00:00.000000'), '1970-01-01 00:00:00');
  assert.equal(encodeValue(col('datetime', "DateTime64(6, 'UTC')"), '2024-02-29 23:59:59.999999'), '2024-02-29 23:59:59.999999');
  // Year 0 has no ClickHouse counterpart either (its parser would take the current year).
  assert.equal(encodeValue(col('datetime', "DateTime64(0, 'UTC')", true), '0000-01-01 12:00:00'), '\\N');
  assert.equal(encodeValue(col('date', 'Date32', false), '0000-05-05'), '1970-01-01');
  assert.equal(encodeValue(col('datetime', "DateTime64(0, 'UTC')"), '0001-01-01 12:00:00'), '0001-01-01 12:00:00');
  // A day past its month's end (ALLOW_INVALID_DATES): not moved into the next month.
  assert.equal(encodeValue(col('date', 'Date32', true), '2024-02-30'), '\\N');
  assert.equal(encodeValue(col('datetime', "DateTime64(3, 'UTC')", false), '2023-02-29 10:00:00.500'), '1970-01-01 00:00:00');
  assert.equal(encodeValue(col('date', 'Date32', true), '2024-04-31'), '\\N');
  for (const real of ['2024-02-29', '2000-02-29', '2024-01-31', '2024-12-31 23:59:59']) assert.equal(encodeValue(col('datetime', 'DateTime64(0)'), real), real);
  assert.equal(encodeValue(col('date', 'Date32', true), '1900-02-29'), '\\N');
});

test('binary forms of BIT, UUID, INET6, INET4 and JSON objects', () => {
  assert.equal(encodeValue(col('bit', 'UInt64'), Buffer.from([0x01, 0x00])), '256');
  assert.equal(encodeValue(col('uuid', 'UUID'), Buffer.from('00112233445566778899aabbccddeeff', 'hex')), '00112233-4455-6677-8899-aabbccddeeff');
  assert.equal(encodeValue(col('ipv6', 'IPv6'), Buffer.from('20010db8000000000000000000000001', 'hex')), '2001:db8:0:0:0:0:0:1');
  assert.equal(encodeValue(col('ipv4', 'IPv4'), Buffer.from([10, 0, 0, 1])), '10.0.0.1');
  assert.equal(encodeValue(col('json', 'String'), { a: [1, 'x'] }), '{"a":[1,"x"]}');
});

test('a row by name (binlog) and by position (initial load) encode alike, with version and delete flag', () => {
  const schema: TableSchema = {
    table: 't',
    key: ['id'],
    orderBy: ['id'],
    columns: [col('int', 'Int32', false, 'id'), col('string', 'String', true, 'v')],
  };
  const byName = encodeRow(schema, { id: 7, v: 'x' }, 42, false);
  const byPosition = encodeRow(schema, [7, 'x'], 42, false);
  assert.equal(byName, '7\tx\t42\t0');
  assert.equal(byPosition, byName);
  assert.equal(encodeRow(schema, { id: 7, v: null }, 43, true), '7\t\\N\t43\t1');
});
