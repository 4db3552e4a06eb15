import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir, PROJECT_ROOT } from './stack/paths.js';
import { freePort } from './stack/processes.js';
import type { RowDataPacket } from 'mysql2/promise';
import { rootConnection, startMariadb } from './stack/mariadb.js';
import { startTemporalServer } from './stack/temporal-server.js';

/**
 * `npm test`: starts a test stack of its own (a MariaDB instance with a binlog
 * and an in-memory Temporal dev server, on free ports), runs every test file
 * with node's test runner against it, and stops the stack.
 * Extra arguments go to node --test (e.g. a single file).
 */
/**
 * A prepared XA transaction left by an interrupted run would hold every
 * pipe's Setup back (it waits for undecided XA transactions).
 */
async function rollBackPreparedXa(port: number): Promise<void> {
  const root = await rootConnection(port);
  try {
    const [prepared] = await root.query<RowDataPacket[]>('XA RECOVER');
    for (const x of prepared) await root.query(`XA ROLLBACK X'${(x.data as Buffer).toString('hex')}'`);
  } finally {
    await root.end();
  }
}

/** The compiled test files directly in `dir`, in name order. */
function testFiles(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir))
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => join(dir, f));
}

async function main(): Promise<number> {
  const started = Date.now();
  const testData = dataDir('test');
  rmSync(join(testData, 'work'), { recursive: true, force: true });
  const mysqlPort = await freePort();
  const temporalPort = await freePort();
  const mariadb = await startMariadb({ dir: join(testData, 'mariadb'), port: mysqlPort });
  await rollBackPreparedXa(mysqlPort);
  const temporal = await startTemporalServer({ port: temporalPort, logDir: join(testData, 'logs'), instance: 'test' });
  // Interrupted (Ctrl-C, a CI time limit): leave nothing running.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void Promise.allSettled([temporal.stop(), mariadb.stop()]).then(() => process.exit(130));
    });
  }
  console.log(`test stack up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${mariadb.name}, ${temporal.name}`);
  const args = process.argv.slice(2);
  const flags = args.filter((a) => a.startsWith('--'));
  const named = args.filter((a) => !a.startsWith('--'));
  // The fast unit tests first, then the integration tests.
  const files = named.length ? named : ['dist/test/unit', 'dist/test'].flatMap(testFiles);
  try {
    return await new Promise<number>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--test', '--test-concurrency=1', '--test-reporter=spec', ...flags, ...files],
        {
          cwd: PROJECT_ROOT,
          stdio: 'inherit',
          env: {
            ...process.env,
            PIPES_TEST_MYSQL_PORT: String(mysqlPort),
            PIPES_TEST_WORK_DIR: join(testData, 'work'),
            TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
            TEMPORAL_NAMESPACE: 'default',
          },
        },
      );
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await temporal.stop();
    await mariadb.stop();
    console.log(`test run took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`test stack: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
