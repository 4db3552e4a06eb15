import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import type { RowDataPacket } from 'mysql2/promise';
import { TestWorld, killAndWait, sleep } from './helpers/stack.js';
import { checksum, destinationImage, firstDifference, physicalRows, sourceImage } from './helpers/compare.js';
import { expectStatus, waitCaughtUp } from './helpers/pipes.js';
import { recordAndReplay } from './helpers/histories.js';

// PIPES_CRASH_ROWS makes it bigger (the figure in the README is from 1,000,000).
const ROWS = Number(process.env.PIPES_CRASH_ROWS ?? 450_000);
const THREADS = 3;
const CHUNK_ROWS = Math.ceil(ROWS / THREADS);
const RATE = Math.round(ROWS / 15); // a 15 s load; pages of a second's worth per chunk

/**
 * The real worker program SIGKILLed halfway through a resync's load: a new
 * worker finishes it without reading finished pages again (the chunk in
 * flight resumes after its last heartbeated key) and without writing any row
 * twice.
 */
describe('a resync whose worker is killed mid-load', () => {
  let world: TestWorld;
  let worker: ChildProcess | null = null;
  const pipe = 'crash';
  const dst = () => `dst_${world.id}`;
  const rowsRead = async () => {
    // MariaDB counts rows read by statements in Rows_read (MySQL: Innodb_rows_read).
    const [r] = await world.root.query<RowDataPacket[]>(`SHOW GLOBAL STATUS WHERE Variable_name IN ('Rows_read', 'Innodb_rows_read')`);
    const value = Number(r[0]?.Value);
    assert.ok(Number.isFinite(value), 'the server counts rows read');
    return value;
  };

  before(async () => {
    world = await TestWorld.create('crash');
    await world.root.query('CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(30) NOT NULL)');
    await world.root.query(`INSERT INTO t SELECT seq, seq % 1000, CONCAT('value ', seq) FROM seq_1_to_${ROWS}`);
    worker = await world.startWorkerProcess();
    await world.client.create(
      world.config({
        name: pipe,
        destination: { database: dst() },
        tables: ['t'],
        // The load's own reads are counted: the check before the swap, which reads the table once more, is left out.
        settings: { snapshotRowsPerPartition: CHUNK_ROWS, snapshotParallelThreads: THREADS, loadMode: 'stream', validateBeforeSwap: false },
      }),
    );
    await expectStatus(world, pipe, 'Running', 120_000);
  });

  after(async () => {
    if (worker) await killAndWait(worker, 'SIGTERM');
    await world?.close();
  });

  it('resumes mid-chunk, reads little twice, and duplicates nothing', async () => {
    const readBefore = await rowsRead();
    await world.client.resync(pipe, { maxRowsPerSecond: RATE });
    await expectStatus(world, pipe, 'Snapshot', 60_000);
    // Under the rate limit, chunks are 5 s of work each (9 chunks, 3 at a
    // time): well into the first three.
    await sleep(3_500);
    const view = await world.client.status(pipe);
    const readAtKill = (await rowsRead()) - readBefore;
    await killAndWait(worker!, 'SIGKILL');
    assert.equal(view.tables.t?.initialLoad.chunksDone, 0, 'no chunk had finished');
    assert.ok(readAtKill > 0.1 * ROWS && readAtKill < ROWS / 2, `killed inside the first chunks, after ${readAtKill} rows`);
    worker = await world.startWorkerProcess();

    const result = await world.client.waitForResync(pipe, 180_000);
    await recordAndReplay('resync:crash', 'resync-worker-killed');
    assert.equal(result.tables.t?.rows, ROWS);
    await waitCaughtUp(world, pipe);
    const read = (await rowsRead()) - readBefore;
    const wasted = read - ROWS;
    console.log(`# resync killed after ${readAtKill} rows: ${read} rows read from the source in all for ${ROWS} rows (${(read / ROWS).toFixed(3)}×)`);
    // Restarting the in-flight chunks from their start would re-read all they
    // had read (about 105,000 rows here); resuming re-reads at most the
    // page in flight and the one whose heartbeat had not reached the server.
    assert.ok(wasted < THREADS * 2 * (RATE / THREADS) + 1000, `re-read ${wasted} rows`);

    await killAndWait(worker, 'SIGTERM');
    worker = null;
    assert.equal(await physicalRows(world.destination(), dst(), 't'), ROWS, 'count() without FINAL equals the source');
    const cols = ['id', 'v', 's'];
    const src = await sourceImage(world.root, world.sourceDb, 't', cols, ['id']);
    const got = await destinationImage(world.destination(), dst(), 't', cols, ['id']);
    assert.equal(checksum(got), checksum(src), `${firstDifference(src, got)}`);
  });
});
