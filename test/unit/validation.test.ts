import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketCount, comparedColumns, comparesByRange, describePart, parseValidateRequest, partChecksums, type TableValidation } from '../../src/pipe/validation.js';
import type { ReplicatedColumn, TableSchema } from '../../src/pipe/table-schema.js';
import { PipeConfigError } from '../../src/pipe/errors.js';
import { formatValidation } from '../../src/cli/validation-format.js';
import { initialView } from '../../src/pipe/status.js';
import { recordValidation, resetStatistics } from '../../src/pipe/status-updates.js';

const col = (name: string, kind: ReplicatedColumn['kind']): ReplicatedColumn => ({ name, kind, sourceType: kind, clickhouseType: 'String', nullable: false });
const schema = (keyKinds: ReplicatedColumn['kind'][]): TableSchema => ({
  table: 't',
  columns: [...keyKinds.map((k, i) => col(`k${i}`, k)), col('v', 'string')],
  key: keyKinds.map((_, i) => `k${i}`),
  orderBy: keyKinds.map((_, i) => `k${i}`),
});

test('keys both sides order alike are compared by range; strings, UUIDs and TIME by key-hash buckets', () => {
  assert.equal(comparesByRange(schema(['int'])), true);
  assert.equal(comparesByRange(schema(['date', 'datetime', 'bytes', 'decimal', 'float'])), true);
  assert.equal(comparesByRange(schema(['int', 'string'])), false);
  assert.equal(comparesByRange(schema(['uuid'])), false);
  assert.equal(comparesByRange(schema(['time'])), false);
});

test('buckets hold about a part of rows each, at least one, at most 4096', () => {
  assert.equal(bucketCount(0, 100_000), 1);
  assert.equal(bucketCount(250_000, 100_000), 3);
  assert.equal(bucketCount(10 ** 12, 100_000), 4_096);
});

test('columns dropped at the source are not compared', () => {
  const s = { ...schema(['int']), droppedAtSource: ['v'] };
  assert.deepEqual(comparedColumns(s).map((c) => c.name), ['k0']);
});

test('parts are described for people', () => {
  assert.equal(describePart({ bucket: 2, buckets: 8 }), 'key-hash bucket 3 of 8');
  assert.equal(describePart({ range: { index: 0, lower: null, upper: [10] } }), 'keys from the first to [10]');
  assert.equal(describePart({ range: { index: 1, lower: [10], upper: null } }), 'keys after [10] to the last');
});

test('a validation request is checked, every bad field named', () => {
  assert.deepEqual(parseValidateRequest({ pipe: 'p', tables: ['a'] }), { pipe: 'p', tables: ['a'] });
  assert.throws(() => parseValidateRequest({ pipe: '', maxRowsPerSecond: 0, extra: 1 }), (err: unknown) => {
    assert.ok(err instanceof PipeConfigError);
    assert.match(err.message, /pipe: must name the pipe to validate/);
    assert.match(err.message, /maxRowsPerSecond: must be at least 1/);
    assert.match(err.message, /extra/);
    return true;
  });
});

const found: TableValidation = {
  at: '2026-01-01T00:00:00.000Z',
  by: 'validate:p',
  rowsCompared: 1000,
  parts: 2,
  differingKeys: 3,
  differences: [
    { key: [5], kind: 'different', columns: ['v', 's'] },
    { key: [7], kind: 'missing' },
    { key: ['a', 1], kind: 'extra' },
  ],
  partsToRepair: [{ bucket: 0, buckets: 2 }],
};

test('a validation is printed with its differing keys and columns', () => {
  assert.equal(
    formatValidation('t', found),
    ['t: 1000 rows in 2 parts compared: 3 keys differ', '  5 differs in v, s', '  7 missing in ClickHouse', '  ["a",1] in ClickHouse, not at the source'].join('\n'),
  );
  assert.equal(formatValidation('t', { ...found, differingKeys: 0, differences: [] }), 't: 1000 rows in 2 parts compared: equal to the source');
  assert.equal(formatValidation('t', { ...found, skipped: 'the pipe has stopped this table: gone' }), 't: not validated: the pipe has stopped this table: gone');
});

test("the status keeps a table's last validation, also when statistics start afresh", () => {
  const view = initialView({ name: 'p', cdc: true, tables: [{ name: 't' }] }, new Date(0));
  recordValidation(view, 't', found);
  recordValidation(view, 'unknown', found);
  resetStatistics(view);
  assert.equal(view.tables.t?.validation?.differingKeys, 3);
  assert.equal(view.tables.unknown, undefined);
});

test('a scope\'s checksums: one per bucket in bucket order, a bucket or range with no rows empty alike on both sides', () => {
  const row = (b: number, n: number, s: string, q: string) => ({ b, n, s, q });
  assert.deepEqual(partChecksums({ buckets: 3 }, [row(2, 1, '7', '49'), row(0, 2, '5', '13')]), [
    { rows: 2, hash: '5:13' },
    { rows: 0, hash: '0:0' },
    { rows: 1, hash: '7:49' },
  ]);
  const range = { range: { index: 0, lower: null, upper: null } };
  assert.deepEqual(partChecksums(range, []), [{ rows: 0, hash: '0:0' }]);
  // MySQL sends numbers as strings or numbers, ClickHouse as strings: the same checksum.
  assert.deepEqual(partChecksums(range, [{ b: '0', n: '4', s: '18446744073709551615', q: '3' }]), partChecksums(range, [row(0, 4, '18446744073709551615', '3')]));
});
