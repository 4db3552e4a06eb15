import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { fieldWriter, MAX_BYTES_PER_BYTE, type SourceText } from '../../src/clickhouse/tsv-field-writers.js';
import { encodeValue } from '../../src/clickhouse/row-encoder.js';
import { fitCheck } from '../../src/clickhouse/value-fit.js';
import type { ReplicatedColumn, TableSchema, ValueKind } from '../../src/pipe/table-schema.js';

const col = (kind: ValueKind, clickhouseType: string, name = 'c'): ReplicatedColumn => ({ name, sourceType: kind, clickhouseType, kind, nullable: true });
const schemaOf = (c: ReplicatedColumn, key = 'id'): TableSchema => ({ table: 't', columns: [c], key: [key], orderBy: [key] });

/** The writer's field for these source bytes, or null when it leaves the value to the general path. */
function written(c: ReplicatedColumn, text: SourceText, bytes: Buffer, key = 'id'): string | null {
  const writer = fieldWriter(schemaOf(c, key), c, text);
  assert.ok(writer, `${c.kind} from ${text} has a writer`);
  // Surrounding bytes, so offsets are exercised.
  const src = Buffer.concat([Buffer.from('xx'), bytes, Buffer.from('yy')]);
  const out = Buffer.alloc(bytes.length * MAX_BYTES_PER_BYTE + 4);
  const end = writer(src, 2, 2 + bytes.length, out, 1);
  return end < 0 ? null : out.subarray(1, end).toString('utf8');
}

/** What the general path writes for the value mysql2 gives, or null when it refuses or converts it. */
function general(c: ReplicatedColumn, value: unknown, key = 'id'): string | null {
  try {
    fitCheck(schemaOf(c, key), c)?.(value);
    const field = encodeValue(c, value);
    return field === '\\N' ? null : field;
  } catch {
    return null;
  }
}

test('integers: the same digits as the general path; out of range, leading zeros and non-digits go its way', () => {
  const cases: [string, string, unknown][] = [
    ['Int32', '-2147483648', -2147483648],
    ['Int32', '2147483647', 2147483647],
    ['Int32', '2147483648', 2147483648],
    ['UInt8', '-1', -1],
    ['Int64', '-9223372036854775808', '-9223372036854775808'],
    ['Int64', '9223372036854775808', '9223372036854775808'],
    ['UInt64', '18446744073709551615', '18446744073709551615'],
    ['UInt64', '18446744073709551616', '18446744073709551616'],
    ['UInt64', '9007199254740993', '9007199254740993'],
    ['UInt16', '0000', 0],
    ['Int32', '0', 0],
    ['Int32', '12a', '12a'],
  ];
  for (const [type, text, value] of cases) {
    const c = col('int', type);
    const want = general(c, value);
    const have = written(c, 'integer', Buffer.from(text));
    // A leading zero is dropped by the general path: the writer leaves it to it.
    if (text === '0000') assert.equal(have, null);
    else assert.equal(have, want, `${type} ${text}`);
  }
});

test('decimals within their digits are copied; more digits than the column holds go the general way', () => {
  const c = col('decimal', 'Decimal(5, 2)');
  assert.equal(written(c, 'decimal', Buffer.from('-123.45')), '-123.45');
  assert.equal(written(c, 'decimal', Buffer.from('0')), '0');
  assert.equal(written(c, 'decimal', Buffer.from('1234.5')), null);
  assert.equal(general(c, '1234.5'), null);
  assert.equal(written(c, 'decimal', Buffer.from('1.234')), null);
  assert.equal(written(c, 'decimal', Buffer.from('1.')), null);
});

test('dates: real days copied; zero parts, days past the month end and key dates outside Date32 go the general way', () => {
  const d = col('date', 'Date32', 'd');
  const dt = col('datetime', "DateTime64(6, 'UTC')", 'dt');
  assert.equal(written(dt, 'date', Buffer.from('2024-02-29 23:59:59.999999')), '2024-02-29 23:59:59.999999');
  assert.equal(written(d, 'date', Buffer.from('1000-01-01')), '1000-01-01');
  for (const s of ['0000-00-00', '2024-00-10', '2024-01-00', '2023-02-29', '2024-04-31', '1900-02-29']) {
    assert.equal(written(d, 'date', Buffer.from(s)), null, s);
  }
  assert.equal(written(d, 'date', Buffer.from('2000-02-29')), '2000-02-29');
  // As the key: Date32's range is checked.
  assert.equal(written(d, 'date', Buffer.from('1899-12-31'), 'd'), null);
  assert.equal(written(d, 'date', Buffer.from('2299-12-31'), 'd'), '2299-12-31');
});

test('text is escaped as textField escapes it; invalid UTF-8 goes the general way', () => {
  const s = col('string', 'String');
  const text = 'tab\there\nnl \\ cr\r nul\0 ü😀';
  assert.equal(written(s, 'text', Buffer.from(text)), encodeValue(s, text));
  assert.equal(written(s, 'text', Buffer.from('')), '');
  assert.equal(written(s, 'bytes', Buffer.from([0x61, 0xc3, 0x28])), null);
});

test('text: every valid UTF-8 sequence is copied and every invalid one goes the general way', () => {
  const s = col('string', 'String');
  // Lead bytes with each edge of their second byte's range, surrogates, overlongs, cut sequences, stray continuations.
  const pieces = [
    [0x41], [0x09], [0x5c], [0x00], [0x7f], [0x80], [0xbf], [0xc0, 0x80], [0xc1, 0xbf], [0xc2, 0x80], [0xdf, 0xbf], [0xc3],
    [0xe0, 0x9f, 0x80], [0xe0, 0xa0, 0x80], [0xe1, 0x80, 0x80], [0xec, 0xbf, 0xbf], [0xed, 0x9f, 0xbf], [0xed, 0xa0, 0x80],
    [0xee, 0x80, 0x80], [0xef, 0xbf, 0xbf], [0xe2, 0x80], [0xe2, 0x28, 0xa1], [0xf0, 0x8f, 0xbf, 0xbf], [0xf0, 0x90, 0x80, 0x80],
    [0xf3, 0xbf, 0xbf, 0xbf], [0xf4, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xf8], [0xff],
    [0xf1, 0x80, 0x80],
  ];
  let seed = 7;
  const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  for (let round = 0; round < 3000; round++) {
    const bytes = Buffer.from(Array.from({ length: 1 + next(4) }, () => pieces[next(pieces.length)]!).flat());
    const want = isUtf8(bytes) ? encodeValue(s, bytes.toString('utf8')) : null;
    assert.equal(written(s, 'text', bytes), want, bytes.toString('hex'));
  }
});

test('bytes are written as bytesField writes them', () => {
  const b = col('bytes', 'String');
  const buf = Buffer.from([0x00, 0xff, 0x7f, 0x80, 0x27, 0x5c, 0x0a, 0x41, 0x20, 0x7e]);
  assert.equal(written(b, 'bytes', buf), encodeValue(b, buf));
});

test('kinds mysql2 gives as numbers or objects have no writer', () => {
  for (const kind of ['float', 'bit', 'uuid', 'ipv4', 'ipv6'] as const) {
    assert.equal(fieldWriter(schemaOf(col(kind, 'String')), col(kind, 'String'), 'text'), null);
  }
  assert.equal(fieldWriter(schemaOf(col('bytes', 'String')), col('bytes', 'String'), 'text'), null);
});
