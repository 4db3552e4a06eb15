import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unitsOf } from '../../src/workflows/checksum-units.js';
import type { WorkItem } from '../../src/workflows/validation-run.js';
import type { TableSchema } from '../../src/pipe/table-schema.js';

const schema = (table: string): TableSchema => ({ table, columns: [], key: ['id'], orderBy: ['id'], sourcePrimaryKey: ['id'] });

/** A whole table of at most `rows` rows (as a planner that counted them plans it), or a key range of a large one. */
function item(table: string, rows?: number): WorkItem {
  const range = rows === undefined ? { index: 0, lower: [1], upper: [100_000] } : { index: 0, lower: null, upper: null, rowsAtMost: rows };
  return { target: { schema: schema(table), table }, scope: { range }, parts: [{ range }] };
}

const names = (units: WorkItem[][]) => units.map((u) => u.map((i) => i.target.table).join(','));

test('small tables are checksummed together, up to 16 parts and 20,000 rows a unit; other parts alone, in order', () => {
  const items = [item('a', 10), item('b', 10), item('big'), item('c', 15_000), item('d', 6_000), item('e', 0)];
  assert.deepEqual(names(unitsOf(items, true)), ['a,b', 'big', 'c', 'd,e']);
  const many = Array.from({ length: 20 }, (_, i) => item(`t${i}`, 1));
  assert.deepEqual(unitsOf(many, true).map((u) => u.length), [16, 4]);
  // A table of more rows than a unit holds is a part of its own.
  assert.deepEqual(names(unitsOf([item('a', 1), item('huge', 20_001), item('b', 1)], true)), ['a', 'huge', 'b']);
});

test('without grouping (histories from before it, or under a rate cap), every part is a unit of its own', () => {
  const items = [item('a', 10), item('b', 10), item('big')];
  assert.deepEqual(names(unitsOf(items, false)), ['a', 'b', 'big']);
});
