import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dedupToken } from '../../src/clickhouse/dedup-token.js';
import { insertBodies } from '../../src/clickhouse/destination.js';

test('the same rows get the same token; another range, load or table another one', () => {
  const page = dedupToken.page('load-1', 't', 3, ['10'], ['20'], 10);
  assert.equal(dedupToken.page('load-1', 't', 3, ['10'], ['20'], 10), page);
  const others = [
    dedupToken.page('load-2', 't', 3, ['10'], ['20'], 10),
    dedupToken.page('load-1', 'u', 3, ['10'], ['20'], 10),
    dedupToken.page('load-1', 't', 3, ['10'], ['21'], 11),
    dedupToken.pulledChunk('load-1', 't', 3, 41),
    dedupToken.cdc('p', 't', { file: 'b.1', pos: 4 }, { file: 'b.1', pos: 9 }),
  ];
  assert.equal(new Set([page, ...others]).size, others.length + 1);
});

test('large inserts are split into bodies the same way every time', () => {
  const rows = Array.from({ length: 10 }, (_, i) => `row-${i}`);
  const bodies = insertBodies(rows, 20);
  assert.deepEqual(insertBodies(rows, 20), bodies);
  assert.ok(bodies.length > 1);
  assert.equal(bodies.join(''), rows.map((r) => r + '\n').join(''));
});
