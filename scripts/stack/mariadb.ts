import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise';
import { localTlsFiles } from './tls.js';
import { commandExists, portOpen, startDetached, stopPid, stopStale, waitForPort, type Service } from './processes.js';

export interface MariadbOptions {
  /** Data directory of this instance (created on first use). */
  dir: string;
  port: number;
}

/** The least-privilege replication user the pipes connect as. */
export const SOURCE_USER = 'pipes_reader';

const SERVER_FLAGS = [
  '--bind-address=127.0.0.1',
  '--binlog-format=ROW',
  '--binlog-row-image=FULL',
  '--binlog-row-metadata=FULL',
  '--server-id=1',
  '--innodb-buffer-pool-size=256M',
  '--innodb-flush-log-at-trx-commit=2',
  '--max-connections=500',
  // Rows with 16 MB BLOBs, in query results and in the binlog.
  '--max-allowed-packet=256M',
  '--character-set-server=utf8mb4',
  '--collation-server=utf8mb4_unicode_ci',
];

function installServerPackage(): void {
  if (commandExists('mariadbd')) return;
  if (process.getuid?.() === 0 && commandExists('apt-get')) {
    console.log('Installing mariadb-server from Debian packages...');
    const r = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server'], { stdio: 'inherit' });
    if (r.status === 0 && commandExists('mariadbd')) return;
  }
  throw new Error('mariadbd is not installed: install the mariadb-server package (MariaDB 10.5 or newer)');
}

/**
 * A MariaDB instance of the project's own (own data directory and port; the
 * machine's shared server is never touched), with the binlog set up for CDC.
 * Reused when already running on its port.
 */
export async function startMariadb(opts: MariadbOptions): Promise<Service> {
  const name = `MariaDB on 127.0.0.1:${opts.port}`;
  if (await portOpen(opts.port)) return { name, stop: async () => undefined };
  installServerPackage();
  const asRoot = process.getuid?.() === 0;
  const data = join(opts.dir, 'data');
  // An instance of ours left running on another port still holds the data directory.
  await stopStale(join(opts.dir, 'mariadb.pid'), data);
  mkdirSync(opts.dir, { recursive: true });
  if (!existsSync(join(data, 'mysql'))) {
    mkdirSync(data, { recursive: true });
    if (asRoot) spawnSync('chown', ['-R', 'mysql:mysql', opts.dir]);
    const r = spawnSync(
      'mariadb-install-db',
      [...(asRoot ? ['--user=mysql'] : []), `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db'],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`mariadb-install-db failed: ${r.stderr || r.stdout}`);
  }
  const tls = localTlsFiles(join(opts.dir, 'tls'));
  if (asRoot) spawnSync('chown', ['-R', 'mysql:mysql', opts.dir]);
  const log = join(opts.dir, 'error.log');
  const pid = startDetached(
    'mariadbd',
    [
      '--no-defaults',
      ...(asRoot ? ['--user=mysql'] : []),
      `--datadir=${data}`,
      `--port=${opts.port}`,
      `--socket=${join(opts.dir, 'mariadb.sock')}`,
      `--pid-file=${join(opts.dir, 'mariadb.pid')}`,
      `--log-bin=${join(opts.dir, 'binlog')}`,
      `--log-error=${log}`,
      `--ssl-ca=${tls.ca}`,
      `--ssl-cert=${tls.cert}`,
      `--ssl-key=${tls.key}`,
      ...SERVER_FLAGS,
    ],
    join(opts.dir, 'start.log'),
    join(opts.dir, 'launcher.pid'),
  );
  await waitForPort(opts.port, 'MariaDB', 60_000, existsSync(log) ? log : undefined);
  await createSourceUser(opts.port);
  return {
    name,
    stop: async () => {
      const pidFile = join(opts.dir, 'mariadb.pid');
      await stopPid(existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : pid);
    },
  };
}

/** Root over TCP with no password: only for this local instance. */
export function rootConnection(port: number, database?: string) {
  return mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: '', database, multipleStatements: true });
}

/**
 * Rolls back every prepared XA transaction the server holds: one left by an
 * interrupted run or a failed test would hold back every pipe's Setup.
 */
export async function rollBackPreparedXa(conn: Connection): Promise<void> {
  const [prepared] = await conn.query<RowDataPacket[]>('XA RECOVER');
  for (const x of prepared) await conn.query(`XA ROLLBACK X'${(x.data as Buffer).toString('hex')}'`);
}

/** The password of the local replication user; a local-only value. */
export const LOCAL_SOURCE_PASSWORD = 'local-reader-password';

async function createSourceUser(port: number): Promise<void> {
  const conn = await rootConnection(port);
  try {
    await conn.query(`CREATE USER IF NOT EXISTS '${SOURCE_USER}'@'%' IDENTIFIED BY '${LOCAL_SOURCE_PASSWORD}'`);
    await conn.query(`CREATE USER IF NOT EXISTS '${SOURCE_USER}'@'localhost' IDENTIFIED BY '${LOCAL_SOURCE_PASSWORD}'`);
    for (const host of ['%', 'localhost']) {
      await conn.query(`GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '${SOURCE_USER}'@'${host}'`);
    }
  } finally {
    await conn.end();
  }
}
