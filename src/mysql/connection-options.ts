import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'mysql2';
import type { SourceConfig } from '../pipe/config.js';

/**
 * Options shared by every source reader (initial load and binlog), so both
 * see the same values: big integers and DECIMAL as exact strings, dates and
 * times as the server's text, TIMESTAMP in UTC.
 */
export function sourceConnectionOptions(source: SourceConfig, password: string): ConnectionOptions {
  return {
    host: source.host,
    port: source.port,
    user: source.user,
    password,
    database: source.database,
    charset: 'UTF8MB4_GENERAL_CI',
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    dateStrings: true,
    timezone: 'Z',
    connectTimeout: 10_000,
    multipleStatements: false,
    // JSON as the server's own text, not re-serialised by JSON.parse.
    jsonStrings: true,
    ssl: tlsOptions(source.tls),
  };
}

/** mysql2's TLS options (used by the binlog reader too) from the pipe's `source.tls`. */
function tlsOptions(tls: SourceConfig['tls']): ConnectionOptions['ssl'] {
  if (!tls) return undefined;
  if (tls === true) return { rejectUnauthorized: true };
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.caFile ? { ca: readFileSync(tls.caFile, 'utf8') } : {}),
  };
}
