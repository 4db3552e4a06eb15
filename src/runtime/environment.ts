import type { LogLevel } from '@temporalio/worker';
import type { DestinationOptions } from '../clickhouse/destination.js';
import { TASK_QUEUE } from '../pipe/names.js';

/**
 * Every environment variable the worker, pipectl and the scripts read, in
 * one place (the README's "The worker" table lists them).
 */
type Env = NodeJS.ProcessEnv;

/** The Temporal server and task queue: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, PIPES_TASK_QUEUE. */
export function temporalFromEnv(env: Env = process.env) {
  return {
    address: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.PIPES_TASK_QUEUE || TASK_QUEUE,
  };
}

/** ClickHouse: a server (CLICKHOUSE_URL, _USER, _PASSWORD, _CA_CERT) or the embedded engine (PIPES_CHDB_PATH). */
export function destinationFromEnv(env: Env = process.env): DestinationOptions {
  return {
    url: env.CLICKHOUSE_URL || undefined,
    username: env.CLICKHOUSE_USER || undefined,
    password: env.CLICKHOUSE_PASSWORD || undefined,
    embeddedPath: env.PIPES_CHDB_PATH || '.data/chdb',
    caCertFile: env.CLICKHOUSE_CA_CERT || undefined,
  };
}

const LOG_LEVELS = new Set(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']);

/** PIPES_LOG_LEVEL, INFO unless set to another level. */
export function logLevelFromEnv(env: Env = process.env): LogLevel {
  const level = (env.PIPES_LOG_LEVEL ?? '').toUpperCase();
  return (LOG_LEVELS.has(level) ? level : 'INFO') as LogLevel;
}

/** The variable holding a secret: PIPES_SECRET_<NAME>, upper case, other characters as `_`. */
export function secretEnvName(name: string): string {
  return 'PIPES_SECRET_' + name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** Where secrets come from: their variables, then the JSON file named by PIPES_SECRETS_FILE. */
export function secretSourcesFromEnv(env: Env = process.env) {
  return { variable: (name: string) => env[secretEnvName(name)], file: env.PIPES_SECRETS_FILE || undefined };
}

/** The crash-point test hook (PIPES_CRASH_POINTS, PIPES_CRASH_DIR): null unless both are set. */
export function crashPointsFromEnv(env: Env = process.env): { points: string[]; dir: string } | null {
  const points = env.PIPES_CRASH_POINTS;
  const dir = env.PIPES_CRASH_DIR;
  return points && dir ? { points: points.split(','), dir } : null;
}

/** The web console: PIPES_CONSOLE_TOKEN (sign-in; required to listen beyond this machine), PIPES_CONSOLE_PORT. */
export function consoleFromEnv(env: Env = process.env) {
  return { token: env.PIPES_CONSOLE_TOKEN || undefined, port: Number(env.PIPES_CONSOLE_PORT || 8080) };
}

/** PIPES_METRICS_PORT: the worker serves Prometheus metrics on /metrics there (off when unset). */
export function metricsPortFromEnv(env: Env = process.env): number | null {
  const port = Number(env.PIPES_METRICS_PORT);
  return Number.isInteger(port) && port > 0 ? port : null;
}

/** PIPES_LOG_FORMAT=json: one JSON object per log line. */
export function logFormatFromEnv(env: Env = process.env): 'text' | 'json' {
  return env.PIPES_LOG_FORMAT === 'json' ? 'json' : 'text';
}
