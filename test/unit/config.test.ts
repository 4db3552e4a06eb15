import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, parsePipeConfig } from '../../src/pipe/config.js';
import { PipeConfigError } from '../../src/pipe/errors.js';

const valid = {
  name: 'shop',
  source: { host: 'db', port: 3306, user: 'reader', database: 'shop', passwordSecret: 'shop-db' },
  destination: { database: 'shop_ch' },
  tables: ['customers', { name: 'order_items', orderBy: ['order_id', 'line'], excludeColumns: ['secret'] }],
};

function problems(input: unknown): string[] {
  try {
    parsePipeConfig(input);
  } catch (err) {
    assert.ok(err instanceof PipeConfigError);
    return err.problems;
  }
  assert.fail('expected the configuration to be refused');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test inputs are deliberately malformed
type Loose = Record<string, any>;

const withChange = (patch: (c: Loose) => void) => {
  const c = structuredClone(valid) as Loose;
  patch(c);
  return c;
};

test('defaults follow ClickPipes and tables may be plain names', () => {
  const cfg = parsePipeConfig(valid);
  assert.deepEqual(cfg.settings, DEFAULT_SETTINGS);
  assert.deepEqual(cfg.settings, {
    syncIntervalSeconds: 60,
    pullBatchSize: 100_000,
    snapshotRowsPerPartition: 100_000,
    snapshotParallelThreads: 4,
    snapshotTablesInParallel: 1,
    loadMode: 'auto',
    schemaChanges: { dropColumns: 'keep', truncate: 'apply', autoResync: false },
    validateBeforeSwap: true,
  });
  assert.equal(cfg.cdc, true);
  assert.deepEqual(cfg.tables[0], { name: 'customers', excludeColumns: [] });
  assert.deepEqual(cfg.tables[1]?.orderBy, ['order_id', 'line']);
});

const cases: [string, Loose, RegExp][] = [
  ['unknown load mode', withChange((c) => (c.settings = { loadMode: 'fast' })), /^settings\.loadMode: must be 'auto', 'stream' or 'pull'$/],
  ['unknown schema change policy', withChange((c) => (c.settings = { schemaChanges: { dropColumns: 'sometimes' } })), /^settings\.schemaChanges\.dropColumns: must be 'keep' or 'drop'$/],
  ['missing name', withChange((c) => delete c.name), /^name: is required$/],
  ['bad name', withChange((c) => (c.name = 'has space')), /^name: must start with a letter or digit/],
  ['missing source user', withChange((c) => delete c.source.user), /^source\.user: is required$/],
  ['password in the config', withChange((c) => (c.source.password = 'x')), /^source\.password: passwords do not belong/],
  ['port out of range', withChange((c) => (c.source.port = 70000)), /^source\.port: must be at most 65535$/],
  ['port not a number', withChange((c) => (c.source.port = '3306')), /^source\.port: must be a number$/],
  ['no tables', withChange((c) => (c.tables = [])), /^tables: must list at least one table$/],
  ['same table twice', withChange((c) => c.tables.push('customers')), /^tables\[2\]\.name: lists "customers" twice$/],
  ['unknown field', withChange((c) => (c.sourec = {})), /^\(config\): unknown field "sourec"$/],
  ['unknown table field', withChange((c) => (c.tables[1].order_by = ['x'])), /^tables\[1\]: unknown field "order_by"$/],
  ['negative batch size', withChange((c) => (c.settings = { pullBatchSize: -5 })), /^settings\.pullBatchSize: must be at least 1$/],
  ['absurd parallelism', withChange((c) => (c.settings = { snapshotParallelThreads: 10_000 })), /^settings\.snapshotParallelThreads: must be at most 64$/],
  ['fractional interval', withChange((c) => (c.settings = { syncIntervalSeconds: 1.5 })), /^settings\.syncIntervalSeconds: must be a whole number$/],
  ['empty orderBy', withChange((c) => (c.tables[1].orderBy = [])), /^tables\[1\]\.orderBy: must name at least one column$/],
  ['orderBy on an excluded column', withChange((c) => (c.tables[1].orderBy = ['secret'])), /^tables\[1\]\.orderBy: uses column "secret", which excludeColumns removes$/],
  ['cdc not a boolean', withChange((c) => (c.cdc = 'yes')), /^cdc: must be true or false$/],
  ['the system database', withChange((c) => (c.destination.database = 'system')), /^destination\.database: is one of ClickHouse's own databases/],
  ['INFORMATION_SCHEMA', withChange((c) => (c.destination.database = 'INFORMATION_SCHEMA')), /^destination\.database: is one of ClickHouse's own databases/],
  ['an orderBy column twice', withChange((c) => (c.tables[1].orderBy = ['order_id', 'line', 'order_id'])), /^tables\[1\]\.orderBy: lists column "order_id" twice$/],
  ['a key column twice', withChange((c) => (c.tables[1].key = ['order_id', 'order_id'])), /^tables\[1\]\.key: lists column "order_id" twice$/],
  ['acceptMissingCascades not a boolean', withChange((c) => (c.tables[1].acceptMissingCascades = 'yes')), /^tables\[1\]\.acceptMissingCascades: must be true or false$/],
];

for (const [name, input, expected] of cases) {
  test(`refuses ${name}, naming the field`, () => {
    const found = problems(input);
    assert.ok(found.some((p) => expected.test(p)), `expected ${expected} in ${JSON.stringify(found)}`);
  });
}

test('reports every problem at once', () => {
  const found = problems(withChange((c) => {
    delete c.source.user;
    c.settings = { pullBatchSize: 0 };
  }));
  assert.equal(found.length, 2);
});
