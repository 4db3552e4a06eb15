import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromKeyValue, keyRangeCondition, toKeyValue } from '../../src/pipe/key-range.js';
import { rangeWhere } from '../../src/mysql/key-range.js';
import { chunkRangeSql } from '../../src/clickhouse/mysql-pull.js';
import { atMostChunks, chunksFromBoundaries, MAX_CHUNKS_PER_TABLE, rowsPerChunkFor } from '../../src/pipe/chunk.js';
import type { TableSchema } from '../../src/pipe/table-schema.js';

test('key values travel as JSON-safe values and come back as they were', () => {
  assert.equal(toKeyValue(12n), '12');
  assert.equal(toKeyValue(null), null);
  assert.deepEqual(toKeyValue(Buffer.from([0, 255])), { base64: 'AP8=' });
  assert.deepEqual(fromKeyValue({ base64: 'AP8=' }), Buffer.from([0, 255]));
  assert.equal(fromKeyValue('x'), 'x');
});

test('a range over a composite key is written out column by column', () => {
  const sql = keyRangeCondition(['a', 'b'], [1, 2], [3, 4], (values) => (column, i, op) => `${column} ${op} ${String(values[i])}`);
  assert.equal(sql, '(a > 1 OR (a = 1 AND b > 2)) AND (a < 3 OR (a = 3 AND b <= 4))');
  assert.equal(keyRangeCondition(['a'], null, null, () => () => 'never'), '1=1');
});

test('MySQL binds the values; ClickHouse writes them as literals', () => {
  const where = rangeWhere(['id'], ['10'], null);
  assert.equal(where.sql, '(`id` > ?)');
  assert.deepEqual(where.params, ['10']);
  const schema: TableSchema = {
    table: 't',
    key: ['id', 'b'],
    orderBy: ['id', 'b'],
    columns: [
      { name: 'id', sourceType: 'int', clickhouseType: 'Int32', kind: 'int', nullable: false },
      { name: 'b', sourceType: 'varbinary(4)', clickhouseType: 'String', kind: 'bytes', nullable: false },
    ],
  };
  assert.equal(chunkRangeSql(schema, null, ['5', { base64: 'J1w=' }]), "(`id` < 5 OR (`id` = 5 AND `b` <= '\\x27\\x5c'))");
});

test('chunks cut at boundaries cover the whole key space, the last one open', () => {
  assert.deepEqual(chunksFromBoundaries([]), [{ index: 0, lower: null, upper: null }]);
  assert.deepEqual(chunksFromBoundaries([[10], [20]]), [
    { index: 0, lower: null, upper: [10] },
    { index: 1, lower: [10], upper: [20] },
    { index: 2, lower: [20], upper: null },
  ]);
});

test('a table is cut into at most MAX_CHUNKS_PER_TABLE chunks, larger ones when it is large', () => {
  assert.equal(rowsPerChunkFor(2_000_000, 100_000), 100_000);
  assert.equal(rowsPerChunkFor(1_000_000_000, 100_000), 1_000_000_000 / MAX_CHUNKS_PER_TABLE);
  const boundaries = Array.from({ length: 10_000 }, (_, i) => [String(i)]);
  const kept = atMostChunks(boundaries);
  assert.ok(chunksFromBoundaries(kept).length <= MAX_CHUNKS_PER_TABLE);
  assert.ok(chunksFromBoundaries(kept).length > MAX_CHUNKS_PER_TABLE / 2);
  // Still in key order, spread over the whole range.
  assert.deepEqual(kept.map((b) => Number(b[0])), [...kept.map((b) => Number(b[0]))].sort((a, b) => a - b));
  assert.ok(Number(kept.at(-1)![0]) > 9_900);
  assert.deepEqual(atMostChunks(boundaries.slice(0, 10)), boundaries.slice(0, 10));
});
