import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { dataDir, PROJECT_ROOT } from './stack/paths.js';
import { freePort } from './stack/processes.js';
import { rollBackPreparedXa, rootConnection, startMariadb } from './stack/mariadb.js';
import { startTemporalServer } from './stack/temporal-server.js';

/**
 * `npm test`: runs the unit tests, then the integration test files in lanes
 * (PIPES_TEST_LANES, default 2 on a machine of 2 cores or more). Each lane
 * is a test stack of its own (a MariaDB instance with a binlog and an
 * in-memory Temporal dev server, on free ports) and runs one file at a time:
 * a file may restart its lane's MariaDB, change its global settings or purge
 * its binlog without touching another lane's tests. Most of a file's time
 * is waiting (for CDC batches, retries, a worker's restart), so two lanes
 * take little more than half as long as one.
 * Extra arguments go to node --test: file paths run only those files, flags
 * (e.g. --test-name-pattern) go to every file.
 */

interface Lane {
  index: number;
  env: Record<string, string>;
  stop(): Promise<void>;
}

async function startLane(index: number): Promise<Lane> {
  const dir = dataDir('test', `lane-${index}`);
  rmSync(join(dir, 'work'), { recursive: true, force: true });
  const mysqlPort = await freePort();
  const mariadbDir = join(dir, 'mariadb');
  const mariadb = await startMariadb({ dir: mariadbDir, port: mysqlPort });
  try {
    const root = await rootConnection(mysqlPort);
    await rollBackPreparedXa(root).finally(() => root.end());
    const temporalPort = await freePort();
    const temporal = await startTemporalServer({ port: temporalPort, logDir: join(dir, 'logs'), instance: 'test' });
    console.log(`lane ${index}: ${mariadb.name}, ${temporal.name}`);
    return {
      index,
      env: {
        PIPES_TEST_MYSQL_PORT: String(mysqlPort),
        PIPES_TEST_MYSQL_DIR: mariadbDir,
        PIPES_TEST_WORK_DIR: join(dir, 'work'),
        TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
        TEMPORAL_NAMESPACE: 'default',
      },
      async stop() {
        await Promise.allSettled([temporal.stop(), mariadb.stop()]);
      },
    };
  } catch (err) {
    await mariadb.stop();
    throw err;
  }
}

/** The compiled test files directly in `dir`, in name order. */
function testFiles(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir))
    .filter((f) => f.endsWith('.test.js'))
    .sort()
    .map((f) => join(dir, f));
}

const running = new Set<ChildProcess>();

interface FileRun {
  code: number;
  output: string;
}

/** node --test on `files` in one process, its output kept until it ends (lanes would interleave it). */
function runNodeTest(files: string[], flags: string[], env: Record<string, string>, live: boolean): Promise<FileRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...flags, ...files], {
      cwd: PROJECT_ROOT,
      stdio: ['ignore', live ? 'inherit' : 'pipe', live ? 'inherit' : 'pipe'],
      env: { ...process.env, ...env },
    });
    running.add(child);
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code: code ?? (signal ? 1 : 0), output });
    });
  });
}

/** The spec reporter's closing counts ("ℹ tests 12" …), summed over files. */
function addCounts(total: Map<string, number>, output: string): void {
  for (const m of output.matchAll(/^ℹ (tests|pass|fail|cancelled|skipped|todo) (\d+)$/gm)) {
    total.set(m[1]!, (total.get(m[1]!) ?? 0) + Number(m[2]));
  }
}

const secondsSince = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
  const started = Date.now();
  const args = process.argv.slice(2);
  const flags = args.filter((a) => a.startsWith('--'));
  const named = args.filter((a) => !a.startsWith('--'));
  const units = named.length ? named.filter((f) => f.includes('/unit/')) : testFiles('dist/test/unit');
  const queue = named.length ? named.filter((f) => !f.includes('/unit/')) : testFiles('dist/test');
  const laneCount = Math.max(1, Math.min(Number(process.env.PIPES_TEST_LANES) || Math.min(2, cpus().length), queue.length));
  const counts = new Map<string, number>();
  const lanes: Lane[] = [];
  // Interrupted (Ctrl-C, a CI time limit): leave nothing running.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const child of running) child.kill('SIGTERM');
      void Promise.allSettled(lanes.map((l) => l.stop())).then(() => process.exit(130));
    });
  }
  let failed = 0;
  try {
    // The fast unit tests first (they need no stack), with their output as it comes.
    if (units.length) {
      const unit = await runNodeTest(units, flags, {}, true);
      if (unit.code !== 0) failed++;
    }
    if (queue.length === 0) return failed ? 1 : 0;
    for (let i = 1; i <= laneCount; i++) lanes.push(await startLane(i));
    console.log(`test stacks up in ${secondsSince(started)}; ${queue.length} files in ${laneCount} lanes`);
    const durations: [string, number][] = [];
    await Promise.all(
      lanes.map(async (lane) => {
        for (let file = queue.shift(); file; file = queue.shift()) {
          const t = Date.now();
          const run = await runNodeTest([file], flags, lane.env, false);
          durations.push([file, (Date.now() - t) / 1000]);
          console.log(`\n── ${file} (lane ${lane.index}, ${secondsSince(t)}${run.code === 0 ? '' : ', FAILED'})`);
          process.stdout.write(run.output);
          addCounts(counts, run.output);
          if (run.code !== 0) failed++;
        }
      }),
    );
    console.log('\nslowest files: ' + durations.sort((a, b) => b[1] - a[1]).slice(0, 8).map(([f, s]) => `${f.replace(/^dist\/test\//, '')} ${s.toFixed(0)} s`).join(', '));
    console.log(`integration tests: ${['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo'].map((k) => `${k} ${counts.get(k) ?? 0}`).join(', ')}`);
    return failed ? 1 : 0;
  } finally {
    await Promise.allSettled(lanes.map((l) => l.stop()));
    console.log(`test run took ${secondsSince(started)}${failed ? `; ${failed} test process(es) failed` : ''}`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`test stack: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
