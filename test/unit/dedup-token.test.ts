import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dedupToken } from '../../src/clickhouse/dedup-token.js';
import { InsertBody } from '../../src/clickhouse/insert-body.js';

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
  const bodies = InsertBody.of(rows, 20).bodies();
  assert.deepEqual(InsertBody.of(rows, 20).bodies(), bodies);
  assert.ok(bodies.length > 1);
  assert.ok(bodies.every((b) => b.length <= 20), 'no body over the limit');
  assert.equal(Buffer.concat(bodies).toString('utf8'), rows.map((r) => r + '\n').join(''));
});

test('an insert body holds rows of several-byte characters and rows larger than its slabs exactly', () => {
  const rows = ['é'.repeat(30), 'x', '—'.repeat(7), '€'.repeat(100_000), ''];
  const body = InsertBody.of(rows);
  assert.equal(body.rows, rows.length);
  assert.deepEqual(body.lines(), rows);
  assert.equal(Buffer.concat(body.bodies()).toString('utf8'), rows.map((r) => r + '\n').join(''));
});

test('a spilling body writes the same parts to its files as a body in memory, and discard removes them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spill-test-'));
  try {
    let n = 0;
    // Rows past the largest slab several times over, multi-byte characters, a row larger than a slab, split in parts.
    const rows = Array.from({ length: 60_000 }, (_, i) => `${i}\t${'é—'.repeat(i % 50)}`);
    rows.splice(30_000, 0, 'x'.repeat(5 * 1024 * 1024));
    const spilled = new InsertBody(4 * 1024 * 1024, () => join(dir, `${++n}.tsv`));
    const inMemory = new InsertBody(4 * 1024 * 1024);
    for (const r of rows) {
      spilled.add(r);
      inMemory.add(r);
    }
    const files = spilled.parts();
    assert.ok(files.length > 2 && files.every((f) => typeof f === 'string' && existsSync(f)));
    assert.deepEqual(spilled.bodies(), inMemory.bodies());
    assert.equal(spilled.rows, inMemory.rows);
    assert.equal(spilled.chars, inMemory.chars);
    spilled.discard();
    assert.deepEqual(readdirSync(dir), []);
    // Given up half way (a file still open): nothing left either.
    const halfWay = new InsertBody(undefined, () => join(dir, `${++n}.tsv`));
    for (const r of rows.slice(0, 20_000)) halfWay.add(r);
    assert.equal(readdirSync(dir).length, 1);
    halfWay.discard();
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
