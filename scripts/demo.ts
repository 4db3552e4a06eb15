import { rmSync } from 'node:fs';
import type { RowDataPacket } from 'mysql2/promise';
import { createDestination } from '../src/clickhouse/destination.js';
import { qualifiedChTable } from '../src/clickhouse/quote.js';
import { createSourceConnector } from '../src/mysql/source-connector.js';
import { parsePipeConfig } from '../src/pipe/config.js';
import { PipeClient } from '../src/control/pipe-client.js';
import { LoadProgress, loadTotals } from '../src/cli/load-progress.js';
import { createPipeWorker, installWorkerLogging } from '../src/worker.js';
import { readBinlogPosition } from '../src/mysql/binlog-position.js';
import type { PipeStatusView } from '../src/pipe/status.js';
import { dataDir } from './stack/paths.js';
import { LOCAL_SOURCE_PASSWORD, SOURCE_USER, rootConnection, startMariadb } from './stack/mariadb.js';
import { startTemporalServer } from './stack/temporal-server.js';
import { SAMPLE_TABLES, createSampleDatabase } from './sample-data.js';

/**
 * `npm run demo`: the whole product in one run on embedded defaults. Starts
 * the local stack, loads a sample shop into ClickHouse, changes the source,
 * shows the changes arrive, and prints source and destination side by side.
 */
const MYSQL_PORT = Number(process.env.PIPES_MYSQL_PORT ?? 3307);
const TEMPORAL_PORT = Number(process.env.PIPES_TEMPORAL_PORT ?? 7233);
const SOURCE_DB = 'shop_demo';
const DEST_DB = 'shop_demo';
const PIPE = 'demo-shop';
const TASK_QUEUE = 'pipes-demo';
const SECRET = 'demo-source';

const say = (msg: string) => console.log(`\n▶ ${msg}`);

async function main(): Promise<number> {
  installWorkerLogging((process.env.PIPES_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN');
  const t0 = Date.now();
  say('Starting the local stack');
  const mariadb = await startMariadb({ dir: dataDir('mariadb'), port: MYSQL_PORT });
  const temporal = await startTemporalServer({
    port: TEMPORAL_PORT,
    uiPort: TEMPORAL_PORT + 1000,
    dbFile: dataDir('temporal', 'temporal.sqlite'),
    logDir: dataDir('logs'),
  });
  console.log(`  ${mariadb.name}; ${temporal.name}; Temporal UI http://127.0.0.1:${TEMPORAL_PORT + 1000}`);
  const chdbPath = dataDir('demo-chdb');
  rmSync(chdbPath, { recursive: true, force: true });
  const destination = createDestination({ embeddedPath: chdbPath });
  const root = await rootConnection(MYSQL_PORT);
  const address = `127.0.0.1:${TEMPORAL_PORT}`;
  const client = await PipeClient.connect({ address, namespace: 'default', taskQueue: TASK_QUEUE });
  const worker = await createPipeWorker({
    address,
    namespace: 'default',
    taskQueue: TASK_QUEUE,
    deps: { source: createSourceConnector(() => LOCAL_SOURCE_PASSWORD), destination },
  });
  const running = worker.run();
  try {
    say(`Creating the sample database "${SOURCE_DB}" (3 tables, one with a composite key)`);
    await createSampleDatabase(root, SOURCE_DB, 150_000);
    const sourceCounts = async () => {
      const counts: Record<string, number> = {};
      for (const t of SAMPLE_TABLES) {
        const [r] = await root.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${SOURCE_DB}\`.\`${t}\``);
        counts[t] = Number(r[0]?.n);
      }
      return counts;
    };
    const before = await sourceCounts();
    console.log('  ' + SAMPLE_TABLES.map((t) => `${t}: ${before[t]} rows`).join(', '));

    // A pipe left over by an interrupted demo is ended first.
    await client.drop(PIPE).catch(() => undefined);
    say(`Creating pipe "${PIPE}": initial load, then CDC from the binlog`);
    const config = parsePipeConfig({
      name: PIPE,
      source: { host: '127.0.0.1', port: MYSQL_PORT, user: SOURCE_USER, database: SOURCE_DB, passwordSecret: SECRET },
      destination: { database: DEST_DB },
      tables: [...SAMPLE_TABLES],
      settings: { syncIntervalSeconds: 2, snapshotRowsPerPartition: 10_000 },
    });
    const loadStart = Date.now();
    await client.create(config);
    const progress = new LoadProgress(process.stdout);
    const { reached, view } = await client
      .waitFor(PIPE, 'Running', 600_000, (v) => progress.update(v))
      .finally(() => progress.stop());
    if (!reached) throw new Error(`the pipe did not reach Running: ${view.status} ${view.lastError ?? ''}`);
    const loadSeconds = (Date.now() - loadStart) / 1000;
    const loaded = loadTotals(view).rows;
    for (const [t, s] of Object.entries(view.tables)) {
      console.log(`  ${t.padEnd(12)} ${String(s.initialLoad.rowsLoaded).padStart(7)} rows in ${s.initialLoad.chunksTotal} chunks, ${s.initialLoad.rowsPerSecond} rows/s`);
    }
    console.log(`  initial load: ${loaded} rows in ${loadSeconds.toFixed(1)} s (${Math.round(loaded / loadSeconds)} rows/s, setup included)`);

    say('Changing the source: inserts, updates and deletes');
    await root.query(`USE \`${SOURCE_DB}\``);
    await root.query(`INSERT INTO customers SELECT 1000000 + seq, CONCAT('New customer ', seq), NULL, 'BR', 0, NOW(6), 'olá 👋' FROM seq_1_to_500`);
    await root.query(`UPDATE orders SET status = 'shipped' WHERE status = 'paid' AND id <= 2000`);
    await root.query(`DELETE FROM order_items WHERE order_id <= 300`);
    await root.query(`DELETE FROM customers WHERE id BETWEEN 100 AND 199`);
    console.log('  +500 customers, ~500 orders shipped, 900 order items and 100 customers deleted');

    const cdcLine = (v: PipeStatusView) =>
      `  ${v.status}: ${Object.entries(v.tables)
        .map(([t, s]) => `${t} +${s.cdc.inserted} ~${s.cdc.updated} -${s.cdc.deleted}`)
        .join(' | ')}`;
    let shown = 0;
    const caughtUp = await client.waitCaughtUp(PIPE, await readBinlogPosition(root), 120_000, (v) => {
      if (Date.now() - shown < 1_000) return;
      shown = Date.now();
      console.log(cdcLine(v));
    });
    console.log(cdcLine(caughtUp));

    say('Source and ClickHouse side by side (ClickHouse counted with FINAL; deleted rows are kept soft-deleted)');
    const after = await sourceCounts();
    let same = true;
    console.log(`  ${'TABLE'.padEnd(12)} ${'SOURCE'.padStart(8)} ${'CLICKHOUSE'.padStart(11)} ${'SOFT-DELETED'.padStart(13)}`);
    for (const t of SAMPLE_TABLES) {
      const [live] = await destination.query<{ n: string }>(`SELECT count() AS n FROM ${qualifiedChTable(DEST_DB, t)} FINAL`);
      const [gone] = await destination.query<{ n: string }>(
        `SELECT countIf(d = 1) AS n FROM (SELECT argMax(_peerdb_is_deleted, _peerdb_version) AS d FROM ${qualifiedChTable(DEST_DB, t)} GROUP BY ${t === 'order_items' ? 'order_id, line' : 'id'})`,
      );
      const match = Number(live?.n) === after[t];
      same &&= match;
      console.log(`  ${t.padEnd(12)} ${String(after[t]).padStart(8)} ${String(live?.n).padStart(11)} ${String(gone?.n).padStart(13)}  ${match ? '✓' : '✗ MISMATCH'}`);
    }
    await client.drop(PIPE);
    say(`Demo ${same ? 'done' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s. For a stack that stays up, run: npm start`);
    return same ? 0 : 1;
  } finally {
    worker.shutdown();
    await running;
    await destination.close();
    await client.close();
    await root.end();
    await temporal.stop();
    await mariadb.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
