import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../stack/paths.js';
import type { ChdbJob, NativeCopyAnswer, NativeCopyJob, QueryAnswer, QueryJob } from './chdb-child.js';
import type { Cleanup } from './cleanup.js';
import { RssSampler } from './rss-sampler.js';

export interface ChdbJobResult<T> {
  answer: T;
  /** Peak RSS of the engine's process, in MB (sampled every 200 ms), and of its anonymous memory alone. */
  peakRssMb: number;
  peakAnonRssMb: number;
}

/** Runs a job in a fresh chdb-child process (see chdb-child.ts) and returns its answer. */
function runJob<T>(job: ChdbJob, cleanup: Cleanup, password = ''): Promise<ChdbJobResult<T>> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist/scripts/bench/chdb-child.js')], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BENCH_CHDB_JOB: JSON.stringify(job), BENCH_SOURCE_PASSWORD: password },
  });
  const rss = new RssSampler(child.pid!);
  const unregister = cleanup.add(`chdb job ${child.pid}`, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const peakRssMb = rss.peakInWindow();
      const peakAnonRssMb = rss.peakAnonInWindow();
      rss.stop();
      void unregister();
      if (code !== 0) return reject(new Error(err.trim() || `chdb job exited with ${code}`));
      try {
        resolve({ answer: JSON.parse(out) as T, peakRssMb, peakAnonRssMb });
      } catch {
        reject(new Error(`chdb job answered no JSON: ${out.slice(0, 200)}`));
      }
    });
  });
}

/** The engine's own copy: INSERT … SELECT FROM mysql(…) into a MergeTree table, timed around the INSERT. */
export function nativeCopy(job: Omit<NativeCopyJob, 'kind'>, password: string, cleanup: Cleanup) {
  return runJob<NativeCopyAnswer>({ kind: 'native-copy', ...job }, cleanup, password);
}

/** Queries on an engine's data directory that no live process holds. */
export function queryEngine(job: Omit<QueryJob, 'kind'>, cleanup: Cleanup) {
  return runJob<QueryAnswer>({ kind: 'query', ...job }, cleanup);
}
