import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Connection as CallbackConnection } from 'mysql2';
import type { KeyTuple, TableSchema } from '../pipe/table-schema.js';
import { atMostChunks, chunksFromBoundaries, MAX_CHUNKS_PER_TABLE, rowsPerChunkFor, wholeTable, type Chunk } from '../pipe/chunk.js';
import { qualifiedMysqlTable, quoteMysqlIdent } from './quote.js';
import { toKeyValue } from '../pipe/key-range.js';
import { keyOrder, selectColumn } from './chunk-reader.js';
import { estimatedRows } from './table-size.js';

const INTEGER_TYPES = /^(tinyint|smallint|mediumint|int|integer|bigint)\b/;

/**
 * Splits a table into chunks of about `rowsWanted` rows by key range.
 *
 * A single integer key that is dense enough is split arithmetically between
 * MIN and MAX (two index lookups). Any other key (composite, string, binary,
 * date) or a sparse, skewed integer key is split by walking the key in
 * order and cutting every so many rows, which gives balanced chunks
 * whatever the distribution. A table gets at most MAX_CHUNKS_PER_TABLE
 * chunks, larger ones if need be.
 */
export async function planChunks(
  conn: Connection,
  database: string,
  schema: TableSchema,
  rowsWanted: number,
): Promise<Chunk[]> {
  const table = qualifiedMysqlTable(database, schema.table);
  const estimate = await estimatedRows(conn, database, [schema.table]);
  const rowsPerChunk = rowsPerChunkFor(estimate, rowsWanted);
  const keyCol = schema.key.length === 1 ? schema.columns.find((c) => c.name === schema.key[0]) : undefined;

  if (keyCol && INTEGER_TYPES.test(keyCol.sourceType)) {
    const k = quoteMysqlIdent(keyCol.name);
    const [mm] = await conn.query<RowDataPacket[]>(`SELECT MIN(${k}) AS lo, MAX(${k}) AS hi FROM ${table}`);
    const lo = mm[0]?.lo;
    const hi = mm[0]?.hi;
    if (lo === null || lo === undefined || hi === null || hi === undefined) return wholeTable(0);
    const min = BigInt(lo);
    const max = BigInt(hi);
    const span = max - min + 1n;
    // InnoDB's estimate can be far off; only trust arithmetic splitting when
    // the keys look at least 20% dense.
    if (estimate > 0 && BigInt(estimate) * 5n >= span) {
      const n = BigInt(Math.min(MAX_CHUNKS_PER_TABLE, Math.max(1, Math.ceil(estimate / rowsPerChunk))));
      // A unique key: no more rows than values between MIN and MAX.
      if (n === 1n) return wholeTable(Number(span));
      const step = (span + n - 1n) / n;
      const boundaries: KeyTuple[] = [];
      for (let b = min + step - 1n; b < max; b += step) boundaries.push([b.toString()]);
      return chunksFromBoundaries(boundaries);
    }
  }

  const keyColumns = schema.key.map((k) => schema.columns.find((c) => c.name === k));
  const cols = keyColumns.map((c, i) => (c ? selectColumn(c) : quoteMysqlIdent(schema.key[i]!))).join(', ');
  const order = keyOrder(table, schema.key);
  const boundaries: KeyTuple[] = [];
  let seen = 0;
  // Streaming needs the callback API underneath the promise wrapper.
  const core = (conn as unknown as { connection: CallbackConnection }).connection;
  const stream = core
    .query({ sql: `SELECT ${cols} FROM ${table} ORDER BY ${order}`, rowsAsArray: true })
    .stream({ highWaterMark: 1000 });
  for await (const row of stream as AsyncIterable<unknown[]>) {
    seen++;
    if (seen % rowsPerChunk === 0) boundaries.push(row.map(toKeyValue));
  }
  // The last boundary would only leave an empty tail chunk.
  if (boundaries.length > 0 && seen % rowsPerChunk === 0) boundaries.pop();
  if (boundaries.length === 0) return wholeTable(seen);
  return chunksFromBoundaries(atMostChunks(boundaries));
}
