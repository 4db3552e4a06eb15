import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from 'mysql2/promise';
import { dataDir } from '../stack/paths.js';
import { freePorts } from '../stack/processes.js';
import { LOCAL_SOURCE_PASSWORD, SOURCE_USER, rootConnection, startMariadb } from '../stack/mariadb.js';
import { startTemporalServer } from '../stack/temporal-server.js';
import type { Cleanup } from './cleanup.js';
import { pidFromFile } from './process-cpu.js';

/** The secret name the benchmark's pipes use; only worker environments hold its value. */
export const BENCH_SECRET = 'bench-source';

export interface BenchStack {
  mysqlPort: number;
  temporalAddress: string;
  /** Root on the benchmark's own MariaDB, for generating and changing data. */
  root: Connection;
  /** Where workers' engines live; emptied at the start of a run. */
  workDir: string;
  logDir: string;
  source: { user: string; password: string };
  /** For CPU accounting; null if the pid file is missing. */
  mariadbPid: number | null;
  temporalPid: number | null;
}

/**
 * A stack of the benchmark's own, as `npm test` has: a MariaDB instance
 * (data in .data/bench, binlog ROW/FULL/FULL) and an in-memory Temporal dev
 * server, both on free ports and stopped by `cleanup`.
 */
export async function startBenchStack(cleanup: Cleanup): Promise<BenchStack> {
  const base = dataDir('bench');
  const workDir = join(base, 'work');
  const logDir = join(base, 'logs');
  rmSync(workDir, { recursive: true, force: true });
  // Old worker logs go; the Temporal pid file stays, so a server left by a killed run is stopped.
  mkdirSync(logDir, { recursive: true });
  for (const f of readdirSync(logDir)) if (f.startsWith('worker-')) rmSync(join(logDir, f));
  const [mysqlPort, temporalPort] = (await freePorts(2)) as [number, number];
  const mariadb = await startMariadb({ dir: join(base, 'mariadb'), port: mysqlPort });
  cleanup.add(mariadb.name, () => mariadb.stop());
  const temporal = await startTemporalServer({ port: temporalPort, logDir, instance: 'bench' });
  cleanup.add(temporal.name, () => temporal.stop());
  const root = await rootConnection(mysqlPort);
  cleanup.add('the MariaDB session', () => root.end());
  return {
    mysqlPort,
    temporalAddress: `127.0.0.1:${temporalPort}`,
    root,
    workDir,
    logDir,
    source: { user: SOURCE_USER, password: LOCAL_SOURCE_PASSWORD },
    mariadbPid: pidFromFile(join(base, 'mariadb', 'mariadb.pid')),
    temporalPid: pidFromFile(join(logDir, 'temporal-bench.pid')),
  };
}
