import { createDestination } from '../../src/clickhouse/destination.js';
import { qualifiedChTable, quoteChString } from '../../src/clickhouse/quote.js';
import { isMainModule } from '../../src/runtime/main-module.js';

/**
 * A short-lived program that opens an embedded ClickHouse engine on a data
 * directory and runs one job there, so the engine's memory is never counted
 * with the benchmark's or a worker's (one engine per process, too). The job
 * comes as JSON in BENCH_CHDB_JOB, the source password (for mysql()) in
 * BENCH_SOURCE_PASSWORD; the answer is one JSON line on stdout.
 */

export interface NativeCopyJob {
  kind: 'native-copy';
  path: string;
  host: string;
  port: number;
  user: string;
  database: string;
  /** Copied one after the other; the answer sums them. */
  tables: string[];
}

export interface QueryJob {
  kind: 'query';
  path: string;
  /** Each query's rows come back in the same order. */
  queries: string[];
}

export type ChdbJob = NativeCopyJob | QueryJob;

export interface NativeCopyAnswer {
  rows: number;
  ms: number;
  /** CPU seconds of this process (every engine thread) during the INSERT. */
  cpuSeconds: number;
}

export type QueryAnswer = Record<string, string>[][];

async function run(job: ChdbJob, password: string): Promise<NativeCopyAnswer | QueryAnswer> {
  const dest = createDestination({ embeddedPath: job.path });
  try {
    if (job.kind === 'query') {
      const answers: QueryAnswer = [];
      for (const q of job.queries) answers.push(await dest.query<Record<string, string>>(q));
      return answers;
    }
    await dest.command('CREATE DATABASE IF NOT EXISTS native');
    const answer: NativeCopyAnswer = { rows: 0, ms: 0, cpuSeconds: 0 };
    for (const table of job.tables) {
      const source = `mysql(${[`${job.host}:${job.port}`, job.database, table, job.user, password].map(quoteChString).join(', ')})`;
      const target = qualifiedChTable('native', table);
      // The table's columns as ClickHouse maps the source's; no row is read here.
      await dest.command(`CREATE OR REPLACE TABLE ${target} ENGINE = MergeTree ORDER BY id EMPTY AS SELECT * FROM ${source}`);
      const started = performance.now();
      const cpu = process.cpuUsage();
      await dest.command(`INSERT INTO ${target} SELECT * FROM ${source}`);
      answer.ms += performance.now() - started;
      const used = process.cpuUsage(cpu);
      answer.cpuSeconds += (used.user + used.system) / 1e6;
      const [n] = await dest.query<{ n: string }>(`SELECT count() AS n FROM ${target}`);
      answer.rows += Number(n?.n ?? 0);
    }
    return answer;
  } finally {
    await dest.close();
  }
}

if (isMainModule(import.meta.url)) {
  const password = process.env.BENCH_SOURCE_PASSWORD ?? '';
  // An error message must never carry the password, whatever echoes the query.
  const scrub = (s: string) => (password ? s.replaceAll(password, '***') : s);
  let job: ChdbJob;
  try {
    job = JSON.parse(process.env.BENCH_CHDB_JOB ?? '') as ChdbJob;
  } catch {
    process.stderr.write('chdb job: BENCH_CHDB_JOB is not valid JSON\n');
    process.exit(2);
  }
  run(job, password).then(
    (answer) => {
      process.stdout.write(`${JSON.stringify(answer)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`chdb job: ${scrub(err instanceof Error ? err.message : String(err))}\n`);
      process.exit(1);
    },
  );
}
