import mysql, { type Connection } from 'mysql2/promise';
import type { ConnectionOptions } from 'mysql2';
import type { SourceConfig } from '../pipe/config.js';
import { sourceConnectionOptions } from './connection-options.js';
import type { SecretResolver } from '../runtime/secrets.js';

/** Opens connections to a pipe's source, resolving its password in the worker. */
export interface SourceConnector {
  /** A connection whose session reads TIMESTAMP in UTC. */
  open(source: SourceConfig): Promise<Connection>;
  /** The same connection's options, for the binlog reader and for ClickHouse's mysql() (pull mode). */
  connectionOptions(source: SourceConfig): ConnectionOptions;
}

export function createSourceConnector(secrets: SecretResolver): SourceConnector {
  const options = (source: SourceConfig) =>
    sourceConnectionOptions(source, source.passwordSecret ? secrets(source.passwordSecret) : '');
  return {
    async open(source) {
      const conn = await mysql.createConnection(options(source));
      try {
        await conn.query("SET time_zone = '+00:00'");
      } catch (err) {
        await conn.end().catch(() => undefined);
        throw err;
      }
      return conn;
    },
    connectionOptions: options,
  };
}

/** Runs `body` on a fresh source connection, closed afterwards whatever happens. */
export async function withSource<T>(
  connector: SourceConnector,
  source: SourceConfig,
  body: (conn: Connection) => Promise<T>,
): Promise<T> {
  const conn = await connector.open(source);
  try {
    return await body(conn);
  } finally {
    await conn.end().catch(() => undefined);
  }
}
