import { createReadStream, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { quoteChIdent, qualifiedChTable, quoteChString } from './quote.js';
import { InsertBody } from './insert-body.js';
import { insertSpool } from './insert-spool.js';
import { StatementQueue } from './statement-queue.js';

/**
 * Where replicated rows land. One small interface over @clickhouse/client,
 * whether it talks to a ClickHouse server over HTTP (production) or to the
 * embedded engine in this process (default, demo, tests).
 */
export interface Destination {
  readonly kind: 'server' | 'embedded';
  /** Runs a statement that returns no rows (DDL, INSERT … SELECT). */
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
  /** Runs a query and returns its rows as objects. */
  query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /**
   * Inserts rows; a retry with the same token is dropped by ClickHouse, so a
   * batch written twice leaves one copy. The rows hold each sorting key at
   * most once (a chunk's page, a batch's last change per key, a repair's
   * source rows).
   */
  insert(database: string, table: string, columns: string[], rows: InsertBody, dedupToken: string, options?: InsertOptions): Promise<void>;
  /**
   * An empty body for a large insert: it writes its rows to files as they
   * come, so its size holds no memory. Its owner discards it once inserted.
   */
  largeBody(): InsertBody;
  close(): Promise<void>;
}

export interface InsertOptions {
  /**
   * Goes ahead of the statements waiting for the embedded engine (see
   * statement-queue.ts): CDC's batches, which a load beside them must not
   * hold back. A server runs statements side by side, and ignores it.
   */
  urgent?: boolean;
}

export interface DestinationOptions {
  /** A ClickHouse server's HTTP(S) URL; when absent, the embedded engine is used. */
  url?: string;
  username?: string;
  password?: string;
  /** The embedded engine's data directory. */
  embeddedPath?: string;
  /** PEM file of the CA that signed an https:// server's certificate. */
  caCertFile?: string;
}

/** Settings that keep values exact when reading back. */
const READ_SETTINGS = {
  output_format_json_quote_64bit_integers: 1,
  output_format_json_quote_decimals: 1,
} as const;

/**
 * Every insert's settings but its token. The rows of an insert hold each
 * sorting key once, so a ReplacingMergeTree's collapsing of the block at
 * insert finds nothing to collapse: measured in the engine alone, 2,000,000
 * rows in inserts of 100,000 cost it 6.7–7.2 CPU-s without it, 8.1–8.2 with
 * it (in inserts of 10,000, 10.1 against 10.3).
 */
const INSERT_SETTINGS = { optimize_on_insert: '0' } as const;

/**
 * An embedded insert's own: the file's columns typed as the table's, and
 * one parser. Parsing a 100,000-row file on two threads took the streamed
 * load 8.0–8.7 s for 2,000,000 rows against 9.4–9.9 on one, but 286–310 MB
 * of the worker's memory against 220 (four inserts at a time).
 */
const FILE_INSERT_SETTINGS = { use_structure_from_insertion_table_in_table_functions: '1', input_format_parallel_parsing: '0' } as const;

/** Characters ClickHouse's file() reads in a path as a glob. */
const GLOB = /[*?{}[\]]/;

/** Settings as a statement's SETTINGS clause (names are this file's own; values quoted, which ClickHouse reads for any type). */
const settingsSql = (settings: Record<string, string>) =>
  Object.entries(settings)
    .map(([name, value]) => `${name} = ${quoteChString(value)}`)
    .join(', ');

/**
 * The embedded engine's inserts read their rows from a file: chdb hands an
 * insert's data to the engine inline in the statement's text, which cost
 * the engine 16.5 CPU-s for 2,000,000 rows in inserts of 10,000 against
 * 10.2 when it reads the same bytes from a file (`file()`, typed as the
 * table's columns), and 5.5 in inserts of 100,000 (measured in the engine
 * alone).
 */
export function createDestination(options: DestinationOptions): Destination {
  let client: ClickHouseClient;
  const spool = insertSpool();
  let kind: Destination['kind'];
  if (options.url) {
    kind = 'server';
    client = createClient({
      url: options.url,
      username: options.username ?? 'default',
      password: options.password ?? '',
      request_timeout: 600_000,
      ...(options.caCertFile ? { tls: { ca_cert: readFileSync(options.caCertFile) } } : {}),
    });
  } else {
    kind = 'embedded';
    // Checked once: the spool's own directory names add only letters and digits.
    if (GLOB.test(tmpdir())) throw new Error(`the temporary directory ${tmpdir()} holds a character ClickHouse's file() reads as a glob: set TMPDIR`);
    // chdb is CommonJS; its connection plugs into the same client.
    const require = createRequire(import.meta.url);
    const { createChdbConnection } = require('chdb/connection') as typeof import('chdb/connection');
    const connection = createChdbConnection({ path: options.embeddedPath ?? '.data/chdb' });
    client = createClient({ connection: connection as never });
  }
  const queue = new StatementQueue();
  // A server runs statements side by side; the embedded engine one at a time, in the queue's order.
  const inTurn = <T>(urgent: boolean, statement: () => Promise<T>) => (kind === 'embedded' ? queue.run(urgent, statement) : statement());
  return {
    kind,
    async command(sql, params) {
      await inTurn(false, () => client.command({ query: sql, query_params: params }));
    },
    query<T>(sql: string, params?: Record<string, unknown>) {
      return inTurn(false, async () => {
        const rs = await client.query({
          query: sql,
          query_params: params,
          format: 'JSONEachRow',
          clickhouse_settings: READ_SETTINGS,
        });
        return rs.json<T>();
      });
    },
    async insert(database, table, columns, rows, dedupToken, options) {
      const urgent = options?.urgent ?? false;
      const head = `INSERT INTO ${qualifiedChTable(database, table)} (${columns.map(quoteChIdent).join(', ')}) `;
      for (const [part, body] of rows.parts().entries()) {
        // The token goes in the statement's own settings: the embedded engine
        // would otherwise keep it for the whole session.
        const settings = { ...INSERT_SETTINGS, insert_deduplication_token: part === 0 ? dedupToken : `${dedupToken}:${part}` };
        if (kind === 'embedded') {
          const fromFile = (path: string) =>
            inTurn(urgent, () =>
              client.command({ query: `${head}SETTINGS ${settingsSql({ ...settings, ...FILE_INSERT_SETTINGS })} SELECT * FROM file(${quoteChString(path)}, 'TabSeparated')` }),
            );
          // A spilled part is its file already; one in memory is written to one.
          if (typeof body === 'string') {
            await fromFile(body);
          } else {
            const path = spool.file();
            await writeFile(path, body);
            try {
              await fromFile(path);
            } finally {
              await rm(path, { force: true });
            }
          }
        } else {
          const sql = `${head}SETTINGS ${settingsSql(settings)} FORMAT TSV`;
          const values = typeof body === 'string' ? createReadStream(body) : Readable.from([body]);
          const result = await client.exec({ query: sql, values });
          result.stream.resume();
        }
      }
    },
    largeBody() {
      return new InsertBody(undefined, () => spool.file());
    },
    async close() {
      await client.close();
      spool.close();
    },
  };
}
