import { SourceDefinitionChangedError } from '../pipe/errors.js';

/**
 * Which errors retrying can fix. Transient: the network, a server
 * restarting or overloaded, a lock: retried without limit (shown in status
 * while they last). Permanent: data its column cannot hold, a table or
 * column that is gone (`definition`: the source table changed under a
 * load, which an online resync answers by loading it again): the pipe
 * stops at once with the message. Anything
 * else is retried, and stops the pipe once it has failed the same way many
 * times in a row (see workflows/controls.ts).
 */
export type ErrorKind = 'transient' | 'permanent' | 'definition' | 'unknown';

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT', 'ER_LOCK_DEADLOCK', 'ER_CONNECTION_KILLED', 'ER_QUERY_INTERRUPTED', 'ER_NET_READ_INTERRUPTED',
  'ER_NET_WRITE_INTERRUPTED', 'ER_TOO_MANY_USER_CONNECTIONS',
]);

/** ClickHouse: timeouts, overload, network, read-only replicas, Keeper. */
const TRANSIENT_CLICKHOUSE = new Set([159, 164, 202, 203, 209, 210, 241, 242, 252, 285, 319, 425, 999]);

/** ClickHouse: a value its column cannot hold, a table or column that is gone. */
const PERMANENT_CLICKHOUSE = new Set([6, 16, 27, 38, 41, 47, 53, 60, 69, 70, 72, 81, 117, 321, 349, 407]);

/** MySQL: the table or a column it reads is gone (its definition changed under a load). */
const DEFINITION_MYSQL = new Set(['ER_NO_SUCH_TABLE', 'ER_BAD_FIELD_ERROR', 'ER_BAD_TABLE_ERROR']);

export function errorKind(err: unknown): ErrorKind {
  const e = err as { code?: unknown; errno?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  if (err instanceof SourceDefinitionChangedError) return 'definition';
  if (TRANSIENT_CODES.has(code)) return 'transient';
  if (DEFINITION_MYSQL.has(code)) return 'definition';
  // The code in the message, or the client's own field (its message then leaves the code out).
  const ch = /\bCode: (\d+)\. DB::Exception/.exec(message)?.[1] ?? (/^\d+$/.test(code) ? code : undefined);
  if (ch) {
    const n = Number(ch);
    if (TRANSIENT_CLICKHOUSE.has(n)) return 'transient';
    if (PERMANENT_CLICKHOUSE.has(n)) return 'permanent';
  }
  // The network, and a connection the server closed (mysql2 says so in words).
  if (/socket hang up|connection (lost|refused|reset)|timed? ?out|ECONNRESET|ECONNREFUSED|Service Unavailable|\b50[234]\b|closed state|socket has been ended|server closed the connection|Too many connections/i.test(message)) {
    return 'transient';
  }
  return 'unknown';
}
