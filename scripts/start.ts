import type { RowDataPacket } from 'mysql2/promise';
import { createDestination } from '../src/clickhouse/destination.js';
import { consoleFromEnv, destinationFromEnv, secretEnvName, temporalFromEnv } from '../src/runtime/environment.js';
import { PipeClient } from '../src/control/pipe-client.js';
import { startConsole } from '../src/console/console-server.js';
import { createSourceConnector } from '../src/mysql/source-connector.js';
import { createPipeWorker, installWorkerLogging } from '../src/worker.js';
import { secretsFromEnv } from '../src/runtime/secrets.js';
import { dataDir } from './stack/paths.js';
import { LOCAL_SOURCE_PASSWORD, rootConnection, startMariadb } from './stack/mariadb.js';
import { startTemporalServer } from './stack/temporal-server.js';
import { createSampleDatabase } from './sample-data.js';

/**
 * `npm start`: the local stack and a worker, kept running until Ctrl-C.
 * MariaDB (with a sample "shop" database), a Temporal dev server whose state
 * survives restarts, its Web UI, and the embedded ClickHouse engine.
 */
const MYSQL_PORT = Number(process.env.PIPES_MYSQL_PORT ?? 3307);
const TEMPORAL_PORT = Number(process.env.PIPES_TEMPORAL_PORT ?? 7233);
const UI_PORT = Number(process.env.PIPES_TEMPORAL_UI_PORT ?? 8233);

async function main(): Promise<void> {
  installWorkerLogging((process.env.PIPES_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN');
  const mariadb = await startMariadb({ dir: dataDir('mariadb'), port: MYSQL_PORT });
  const temporal = await startTemporalServer({
    port: TEMPORAL_PORT,
    uiPort: UI_PORT,
    dbFile: dataDir('temporal', 'temporal.sqlite'),
    logDir: dataDir('logs'),
  });
  const root = await rootConnection(MYSQL_PORT);
  const [found] = await root.query<RowDataPacket[]>(`SHOW DATABASES LIKE 'shop'`);
  if (found.length === 0) await createSampleDatabase(root, 'shop', 150_000);
  await root.end();

  // The example pipe names the secret "local-source": the local reader's password.
  process.env[secretEnvName('local-source')] ??= LOCAL_SOURCE_PASSWORD;
  const chdbPath = process.env.PIPES_CHDB_PATH ?? dataDir('chdb');
  const destination = createDestination({ ...destinationFromEnv(), embeddedPath: chdbPath });
  const worker = await createPipeWorker({
    address: `127.0.0.1:${TEMPORAL_PORT}`,
    namespace: 'default',
    taskQueue: temporalFromEnv().taskQueue,
    deps: { source: createSourceConnector(secretsFromEnv()), destination },
  });
  const client = await PipeClient.connect({ address: `127.0.0.1:${TEMPORAL_PORT}`, namespace: 'default', taskQueue: temporalFromEnv().taskQueue });
  const consoleOptions = consoleFromEnv();
  const web = await startConsole({ client, host: '127.0.0.1', ...consoleOptions });
  console.log(`
Local stack is up (Ctrl-C stops it):
  Console      ${web.url}  (Data Sources, Metrics, Tables, Settings)
  MariaDB      127.0.0.1:${MYSQL_PORT}  (root, no password; sample database "shop"; binlog ROW/FULL/FULL)
  Temporal     127.0.0.1:${TEMPORAL_PORT}  (state in ${dataDir('temporal')})
  Temporal UI  http://127.0.0.1:${UI_PORT}
  ClickHouse   ${destination.kind === 'embedded' ? `embedded engine, data in ${chdbPath}` : process.env.CLICKHOUSE_URL}

Try, in another terminal:
  npm run pipectl -- create --file examples/shop.yaml
  npm run pipectl -- status shop
`);
  try {
    await worker.run(); // returns after SIGINT/SIGTERM
  } finally {
    await web.close();
    await client.close();
    await destination.close();
    await temporal.stop();
    await mariadb.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
