import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAlterTable } from '../../src/mysql/alter-table.js';
import { existingRowsFill, planSchemaChange, widens } from '../../src/cdc/schema-change.js';
import type { SourceColumn } from '../../src/pipe/type-mapping.js';
import type { TableSchema } from '../../src/pipe/table-schema.js';

const col = (name: string, columnType: string, extra: Partial<SourceColumn> = {}): SourceColumn => {
  const dataType = /^[a-z]+/.exec(columnType)![0];
  const args = /\((\d+)(?:,(\d+))?\)/.exec(columnType);
  return {
    name,
    dataType,
    columnType,
    nullable: true,
    numericPrecision: dataType === 'decimal' ? Number(args?.[1]) : null,
    numericScale: dataType === 'decimal' ? Number(args?.[2] ?? 0) : null,
    datetimePrecision: /^(datetime|timestamp|time)$/.test(dataType) ? Number(args?.[1] ?? 0) : null,
    defaultValue: null,
    extra: '',
    ...extra,
  };
};

const schema: TableSchema = {
  table: 't',
  key: ['id'],
  orderBy: ['id'],
  columns: [
    { name: 'id', sourceType: 'int(11)', clickhouseType: 'Int32', kind: 'int', nullable: false },
    { name: 'v', sourceType: 'int(11)', clickhouseType: 'Int32', kind: 'int', nullable: false },
    { name: 'owner', sourceType: 'varchar(10)', clickhouseType: 'String', kind: 'string', nullable: true },
  ],
} as TableSchema;

const now = (...extra: SourceColumn[]) => [col('id', 'int(11)', { nullable: false }), col('v', 'int(11)', { nullable: false }), col('owner', 'varchar(10)'), ...extra];

test('ALTER TABLE clauses: adds with positions, drops, renames, changes, keys; options and indexes change nothing', () => {
  assert.deepEqual(parseAlterTable('ALTER TABLE `db`.`t` ADD COLUMN a INT FIRST, ADD b INT AFTER `v`, ADD COLUMN IF NOT EXISTS c INT'), [
    { op: 'add', column: 'a', first: true },
    { op: 'add', column: 'b', after: 'v' },
    { op: 'add', column: 'c' },
  ]);
  assert.deepEqual(parseAlterTable('alter table t add column (x int, y decimal(6,2) default 1.5)'), [
    { op: 'add', column: 'x' },
    { op: 'add', column: 'y', default: { literal: '1.5' } },
  ]);
  assert.deepEqual(
    parseAlterTable("ALTER TABLE t NOWAIT ADD a VARCHAR(9) NOT NULL DEFAULT 'it''s' AFTER v, ADD b INT DEFAULT NULL, ADD c INT DEFAULT -3, ADD d TIMESTAMP DEFAULT CURRENT_TIMESTAMP")!.map((o) => ('default' in o ? o.default : null)),
    [{ literal: "it's" }, { null: true }, { literal: '-3' }, { expression: true }],
  );
  assert.deepEqual(parseAlterTable('ALTER TABLE t DROP COLUMN owner, DROP INDEX i, RENAME COLUMN v TO w, CHANGE d amount DECIMAL(8,2), MODIFY e INT'), [
    { op: 'drop', column: 'owner' },
    { op: 'none' },
    { op: 'rename', from: 'v', to: 'w' },
    { op: 'modify', column: 'd', to: 'amount' },
    { op: 'modify', column: 'e', to: 'e' },
  ]);
  assert.deepEqual(parseAlterTable('ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, v)'), [{ op: 'primary-key' }, { op: 'primary-key' }]);
  assert.deepEqual(parseAlterTable("ALTER TABLE t ENGINE=InnoDB, COMMENT 'x, y'"), [{ op: 'none' }, { op: 'none' }]);
  assert.equal(parseAlterTable('TRUNCATE TABLE t'), null);
});

test('widening keeps every old value; anything else does not', () => {
  assert.ok(widens('Int32', 'Int64'));
  assert.ok(widens('UInt32', 'Int64'));
  assert.ok(!widens('UInt32', 'Int32'));
  assert.ok(!widens('Int64', 'Int32'));
  assert.ok(widens('Decimal(8, 2)', 'Decimal(12, 2)'));
  assert.ok(!widens('Decimal(8, 2)', 'Decimal(8, 4)'), 'fewer integer digits');
  assert.ok(widens('Float32', 'Float64'));
  assert.ok(widens('String', 'LowCardinality(String)'));
  assert.ok(!widens('String', 'Int32'));
});

test('the rows already there get what the source gave them, or the table is loaded again', () => {
  assert.deepEqual(existingRowsFill(col('a', 'int(11)', { defaultValue: '7' }), 'int'), { literal: '7' });
  assert.deepEqual(existingRowsFill(col('a', 'varchar(5)', { defaultValue: "'it''s'" }), 'string'), { literal: "'it\\'s'" });
  assert.deepEqual(existingRowsFill(col('a', 'char(5)', { defaultValue: "'ab  '" }), 'string'), { literal: "'ab'" });
  assert.deepEqual(existingRowsFill(col('a', 'int(11)'), 'int'), {}, 'nullable without default: NULL');
  assert.deepEqual(existingRowsFill(col('a', 'int(11)', { nullable: false }), 'int'), {}, 'NOT NULL without default: 0');
  assert.deepEqual(existingRowsFill(col('a', "enum('x','y')", { nullable: false }), 'string'), { literal: "'x'" }, 'ENUM NOT NULL: its first label');
  assert.deepEqual(existingRowsFill(col('a', 'bit(3)', { defaultValue: "b'101'" }), 'bit'), { literal: '5' });
  assert.deepEqual(existingRowsFill(col('a', 'date', { defaultValue: "'0000-00-00'" }), 'date'), {});
  assert.deepEqual(existingRowsFill(col('a', 'datetime(3)', { defaultValue: "'2024-02-29 12:00:00.500'" }), 'datetime'), { literal: "'2024-02-29 12:00:00.500'" });
  assert.equal(existingRowsFill(col('a', 'timestamp', { defaultValue: 'current_timestamp()' }), 'datetime'), null);
  assert.equal(existingRowsFill(col('a', 'binary(4)', { nullable: false }), 'bytes'), null, 'padded with zero bytes');
  assert.equal(existingRowsFill(col('a', 'time', { nullable: false }), 'time'), null);
  assert.equal(existingRowsFill(col('a', 'int(11)', { defaultValue: '(1 + 1)' }), 'int'), null);
});

test('a plan: columns added where the source put them, renamed, kept or dropped; narrowing and key changes need a resync', () => {
  const added = planSchemaChange(schema, parseAlterTable("ALTER TABLE t ADD COLUMN mid DECIMAL(6,2) DEFAULT 2.25 AFTER v, ADD head INT FIRST")!, now(col('mid', 'decimal(6,2)', { defaultValue: '2.25' }), col('head', 'int(11)')), { dropColumns: 'keep' });
  assert.ok('schema' in added);
  assert.deepEqual(added.schema.columns.map((c) => c.name), ['head', 'id', 'v', 'mid', 'owner']);
  assert.deepEqual(added.ddl[0], { add: 'mid', type: 'Nullable(Decimal(6, 2))', default: '2.25', after: 'v' });

  const kept = planSchemaChange(schema, parseAlterTable('ALTER TABLE t DROP COLUMN owner')!, now().slice(0, 2), { dropColumns: 'keep' });
  assert.ok('schema' in kept && kept.ddl.length === 0 && kept.schema.columns.some((c) => c.name === 'owner'));
  const dropped = planSchemaChange(schema, parseAlterTable('ALTER TABLE t DROP COLUMN owner')!, now().slice(0, 2), { dropColumns: 'drop' });
  assert.ok('schema' in dropped);
  assert.deepEqual(dropped.ddl, [{ drop: 'owner' }]);

  const renamed = planSchemaChange(schema, parseAlterTable('ALTER TABLE t RENAME COLUMN owner TO holder')!, [...now().slice(0, 2), col('holder', 'varchar(10)')], { dropColumns: 'keep' });
  assert.ok('schema' in renamed);
  assert.deepEqual(renamed.ddl, [{ rename: 'owner', to: 'holder' }]);

  const narrowed = planSchemaChange(schema, parseAlterTable('ALTER TABLE t MODIFY v VARCHAR(20) NOT NULL')!, [now()[0]!, col('v', 'varchar(20)', { nullable: false }), now()[2]!], { dropColumns: 'keep' });
  assert.deepEqual(narrowed, { needsResync: 'column "v" is now varchar(20) NOT NULL (was int(11) NOT NULL)' });
  assert.deepEqual(planSchemaChange(schema, parseAlterTable('ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, v)')!, now(), { dropColumns: 'keep' }), { needsResync: 'its primary key changed' });
  assert.match(JSON.stringify(planSchemaChange(schema, parseAlterTable('ALTER TABLE t RENAME COLUMN id TO key_id')!, now(), { dropColumns: 'keep' })), /key column \\"id\\" was renamed/);

  const stamped = planSchemaChange(schema, parseAlterTable('ALTER TABLE t ADD COLUMN at TIMESTAMP DEFAULT CURRENT_TIMESTAMP')!, now(col('at', 'timestamp', { defaultValue: 'current_timestamp()' })), { dropColumns: 'keep' });
  assert.ok('needsResync' in stamped && stamped.reload, 'reloaded: ClickHouse cannot give old rows the time of the ALTER');
});

test('a statement read twice, names in another case, excluded columns, renames onto a name in use', () => {
  const opts = { dropColumns: 'keep' } as const;
  // The same ADD read again (or ADD … IF NOT EXISTS): nothing to do.
  const withW = { ...schema, columns: [...schema.columns, { name: 'w', sourceType: 'int(11)', clickhouseType: 'Int32', kind: 'int', nullable: true }] } as TableSchema;
  const again = planSchemaChange(withW, parseAlterTable('ALTER TABLE t ADD COLUMN IF NOT EXISTS w INT')!, now(col('w', 'int(11)')), opts);
  assert.ok('schema' in again && again.ddl.length === 0);
  // Added again after a drop ClickHouse kept: reloaded.
  const kept = planSchemaChange(schema, parseAlterTable('ALTER TABLE t DROP COLUMN owner')!, now().slice(0, 2), opts);
  assert.ok('schema' in kept);
  assert.deepEqual(kept.schema.droppedAtSource, ['owner']);
  const readded = planSchemaChange(kept.schema, parseAlterTable('ALTER TABLE t ADD COLUMN owner VARCHAR(10)')!, now(), opts);
  assert.ok('needsResync' in readded && readded.reload);
  // MySQL names are case-insensitive.
  const upper = planSchemaChange(schema, parseAlterTable('ALTER TABLE t MODIFY OWNER VARCHAR(5)')!, [...now().slice(0, 2), col('owner', 'varchar(5)')], opts);
  assert.match(JSON.stringify(upper), /column \\"owner\\" is now varchar\(5\)/, 'a shorter VARCHAR truncates at the source');
  const wider = planSchemaChange(schema, parseAlterTable('ALTER TABLE t MODIFY OWNER VARCHAR(50)')!, [...now().slice(0, 2), col('owner', 'varchar(50)')], opts);
  assert.ok('schema' in wider && wider.schema.columns[2]?.sourceType === 'varchar(50)');
  // CHAR drops trailing spaces, BINARY pads: the values change at the source.
  assert.ok('needsResync' in planSchemaChange(schema, parseAlterTable('ALTER TABLE t MODIFY owner CHAR(10)')!, [...now().slice(0, 2), col('owner', 'char(10)')], opts));
  // A column excluded by the configuration stays excluded when dropped and added again.
  const excl = { ...schema, excludedColumns: ['ssn'] } as TableSchema;
  const gone = planSchemaChange(excl, parseAlterTable('ALTER TABLE t DROP COLUMN ssn')!, now(), opts);
  assert.ok('schema' in gone);
  const back = planSchemaChange(gone.schema, parseAlterTable('ALTER TABLE t ADD COLUMN ssn VARCHAR(11)')!, now(col('ssn', 'varchar(11)')), opts);
  assert.ok('schema' in back && !back.schema.columns.some((c) => c.name === 'ssn'));
  // A swap of two names, or a rename onto a column ClickHouse has: reloaded.
  const swap = planSchemaChange(withW, parseAlterTable('ALTER TABLE t RENAME COLUMN v TO w, RENAME COLUMN w TO v')!, now(col('w', 'int(11)')), opts);
  assert.ok('needsResync' in swap && swap.reload);
});

test("what the source gave the rows already there: the ALTER statement's own DEFAULT, not one set later", () => {
  const opts = { dropColumns: 'keep' } as const;
  // ADD … DEFAULT 5, then ALTER COLUMN … DROP DEFAULT before the pipe got there: the rows hold 5, the definition says nothing.
  const later = planSchemaChange(schema, parseAlterTable('ALTER TABLE t ADD COLUMN n INT NOT NULL DEFAULT 5')!, now(col('n', 'int(11)', { nullable: false })), opts);
  assert.ok('needsResync' in later && later.reload);
  const same = planSchemaChange(schema, parseAlterTable('ALTER TABLE t ADD COLUMN n INT NOT NULL DEFAULT 5')!, now(col('n', 'int(11)', { nullable: false, defaultValue: '5' })), opts);
  assert.ok('schema' in same);
  assert.deepEqual(same.ddl, [{ add: 'n', type: 'Int32', default: '5' }]);
  const stamp = planSchemaChange(schema, parseAlterTable("ALTER TABLE t ADD COLUMN c2 DATETIME(3) DEFAULT '2024-02-29 12:00:00.5'")!, now(col('c2', 'datetime(3)', { defaultValue: "'2024-02-29 12:00:00.500'" })), opts);
  assert.ok('schema' in stamp, 'the server writes the same default in full');
  // AUTO_INCREMENT numbers the rows, a generated column computes them: reloaded.
  assert.equal(existingRowsFill(col('s', 'int(11)', { nullable: false, extra: 'auto_increment' }), 'int'), null);
  assert.equal(existingRowsFill(col('g', 'int(11)', { extra: 'STORED GENERATED' }), 'int'), null);
  // ENUM labels keep their case.
  assert.deepEqual(existingRowsFill(col('st', "enum('active','closed')", { nullable: false, rawColumnType: "enum('Active','Closed')" }), 'string'), { literal: "'Active'" });
});
