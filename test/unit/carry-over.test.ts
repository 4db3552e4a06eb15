import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packCarryOver, unpackCarryOver } from '../../src/workflows/carry-over.js';
import type { TableSchema } from '../../src/pipe/table-schema.js';

/** A table of `n` columns, named and typed as real ones are. */
function schema(table: string, n: number): TableSchema {
  const columns = Array.from({ length: n }, (_, i) => ({
    name: `column_${i}_of_${table}`,
    sourceType: i % 3 === 0 ? 'bigint(20) unsigned' : i % 3 === 1 ? 'varchar(255)' : 'datetime(6)',
    clickhouseType: i % 3 === 0 ? 'UInt64' : i % 3 === 1 ? 'String' : "DateTime64(6, 'UTC')",
    kind: (i % 3 === 0 ? 'int' : i % 3 === 1 ? 'string' : 'datetime') as TableSchema['columns'][number]['kind'],
    nullable: i % 2 === 0,
  }));
  return { table, columns, key: [columns[0]!.name], orderBy: [columns[0]!.name], sourcePrimaryKey: [columns[0]!.name] };
}

test('a carry-over comes back as it was, a tenth of its size or less', () => {
  const carry = { carryOver: { schemas: Array.from({ length: 600 }, (_, i) => schema(`orders_${i}`, 30)), position: { file: 'mysql-bin.000042', pos: 4 }, note: 'ünïcödé ✓' } };
  const packed = packCarryOver(carry);
  assert.deepEqual(unpackCarryOver(packed), carry);
  const plain = Buffer.byteLength(JSON.stringify(carry));
  assert.ok(plain > 2 * 1024 * 1024, `the plain carry-over is over Temporal's 2 MB (${plain} bytes)`);
  assert.ok(packed.length * 10 <= plain, `${packed.length} bytes packed for ${plain}`);
});
