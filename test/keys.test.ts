import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestWorld, type RunningWorker } from './helpers/stack.js';
import { checksum, destinationImage, firstDifference, physicalRows, sourceImage, type TableImage } from './helpers/compare.js';
import { expectStatus, waitCaughtUp } from './helpers/pipes.js';
import type { PipeStatusView } from '../src/pipe/status.js';
import type { RowDataPacket } from 'mysql2/promise';

/**
 * Keys of every kind split into balanced chunks and load exactly: string,
 * binary, date and composite keys (walked in key order), a heavily skewed
 * integer key, and a table without a primary key given a configured key.
 */
interface KeyCase {
  table: string;
  ddl: string;
  fill: string;
  key: string[];
  cols: string[];
  configuredKey?: string[];
}

const sorted = (image: TableImage) => image.map((r) => JSON.stringify(r)).sort().map((r) => JSON.parse(r) as TableImage[number]);

const ROWS = 2_000;
const PER_CHUNK = 300;

const cases: KeyCase[] = [
  {
    table: 'string_key',
    ddl: 'CREATE TABLE string_key (k VARCHAR(40) PRIMARY KEY, v INT NOT NULL)',
    // Mixed case, accents and emoji under a case-insensitive collation.
    fill: `INSERT INTO string_key SELECT CONCAT(ELT(seq % 4 + 1, 'a', 'É', 'z', '😀'), LPAD(seq, 6, '0')), seq FROM seq_1_to_${ROWS}`,
    key: ['k'],
    cols: ['k', 'v'],
  },
  {
    table: 'binary_key',
    ddl: 'CREATE TABLE binary_key (k VARBINARY(16) PRIMARY KEY, v INT NOT NULL)',
    fill: `INSERT INTO binary_key SELECT UNHEX(MD5(seq)), seq FROM seq_1_to_${ROWS}`,
    key: ['k'],
    cols: ['v'],
  },
  {
    table: 'date_key',
    ddl: 'CREATE TABLE date_key (day DATE NOT NULL, at DATETIME(6) NOT NULL, v INT NOT NULL, PRIMARY KEY (day, at))',
    fill: `INSERT INTO date_key SELECT '2020-01-01' + INTERVAL (seq % 50) DAY, '2020-01-01 00:00:00' + INTERVAL seq MICROSECOND, seq FROM seq_1_to_${ROWS}`,
    key: ['day', 'at'],
    cols: ['day', 'at', 'v'],
  },
  {
    table: 'skewed',
    ddl: 'CREATE TABLE skewed (id BIGINT UNSIGNED PRIMARY KEY, v INT NOT NULL)',
    // Nearly all keys in one dense run, a few at the far end of the range.
    fill: `INSERT INTO skewed SELECT IF(seq <= ${ROWS - 10}, seq, 18446744073709551615 - seq), seq FROM seq_1_to_${ROWS}`,
    key: ['id'],
    cols: ['id', 'v'],
  },
  {
    table: 'no_pk',
    ddl: 'CREATE TABLE no_pk (a INT NOT NULL, b VARCHAR(10) NOT NULL, v INT NOT NULL, UNIQUE KEY (a, b))',
    fill: `INSERT INTO no_pk SELECT seq % 100, CONCAT('b', seq), seq FROM seq_1_to_${ROWS}`,
    key: ['a', 'b'],
    cols: ['a', 'b', 'v'],
    configuredKey: ['a', 'b'],
  },
];

describe('keys of every kind', () => {
  let world: TestWorld;
  let worker: RunningWorker;
  let loaded: PipeStatusView;
  const pipe = 'keys';
  const dst = () => `dst_${world.id}`;

  before(async () => {
    world = await TestWorld.create('keys');
    for (const c of cases) {
      await world.root.query(c.ddl);
      await world.root.query(c.fill);
    }
    await world.root.query('ANALYZE TABLE string_key, binary_key, date_key, skewed, no_pk');
    worker = await world.startWorker();
    await world.client.create(
      world.config({
        name: pipe,
        destination: { database: dst() },
        tables: cases.map((c) => (c.configuredKey ? { name: c.table, key: c.configuredKey } : c.table)),
        settings: { snapshotRowsPerPartition: PER_CHUNK, snapshotParallelThreads: 3, syncIntervalSeconds: 1 },
      }),
    );
    loaded = await expectStatus(world, pipe, 'Running', 120_000);
  });

  after(async () => {
    await world.client.drop(pipe).catch(() => undefined);
    await worker?.stop();
    await world?.close();
  });

  it('splits each table into balanced chunks', () => {
    const expected = Math.ceil(ROWS / PER_CHUNK);
    for (const c of cases) {
      const load = loaded.tables[c.table]?.initialLoad;
      assert.equal(load?.rowsLoaded, ROWS, `${c.table}: rows loaded`);
      // Key-walked chunks hold PER_CHUNK rows each; none is a giant.
      assert.ok(
        load && load.chunksTotal >= expected && load.chunksTotal <= expected + 1,
        `${c.table}: ${load?.chunksTotal} chunks for ${ROWS} rows at ${PER_CHUNK} per chunk`,
      );
    }
  });

  it('loads and follows every key type exactly', async () => {
    await world.root.query("UPDATE string_key SET v = -v WHERE k LIKE 'é%'");
    await world.root.query("DELETE FROM binary_key WHERE k < UNHEX('40')");
    await world.root.query("UPDATE date_key SET at = at + INTERVAL 1 SECOND WHERE day = '2020-01-05'");
    await world.root.query('UPDATE skewed SET v = 0 WHERE id > 1000000');
    await world.root.query("UPDATE no_pk SET b = CONCAT(b, 'x') WHERE a = 7");
    await waitCaughtUp(world, pipe, 60_000);
    for (const c of cases) {
      // Sorted alike: MySQL orders strings by collation, ClickHouse by bytes.
      const src = sorted(await sourceImage(world.root, world.sourceDb, c.table, c.cols, c.key));
      const got = sorted(await destinationImage(world.destination(), dst(), c.table, c.cols, c.key));
      assert.equal(got.length, src.length, `${c.table}: row count`);
      assert.equal(checksum(got), checksum(src), `${c.table}: ${firstDifference(src, got)}`);
    }
    // Binary keys byte for byte (the images above compare them as text).
    const [srcHex] = await world.root.query<RowDataPacket[]>('SELECT HEX(k) AS k FROM binary_key ORDER BY k');
    const dstHex = await world.destination().query<{ k: string }>(`SELECT hex(k) AS k FROM \`${dst()}\`.binary_key FINAL ORDER BY k`);
    assert.deepEqual(
      dstHex.map((r) => r.k),
      srcHex.map((r) => String(r.k)),
    );
  });

  it('validates clean: key ranges where both sides order the key alike, key-hash buckets where they do not', async () => {
    const result = await world.client.validations.validate(pipe);
    for (const c of cases) {
      const v = result.tables[c.table];
      assert.equal(v?.differingKeys, 0, `${c.table}: ${JSON.stringify(v?.differences.slice(0, 3))}`);
      const [[n]] = await world.root.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${c.table}\``);
      assert.equal(v?.rowsCompared, Number(n?.n), `${c.table}: every row compared`);
    }
  });

  it('writes each snapshot row once', async () => {
    // Only the 10 far keys changed: one snapshot row per key, plus their updates.
    assert.equal(await physicalRows(world.destination(), dst(), 'skewed'), ROWS + 10);
  });
});
