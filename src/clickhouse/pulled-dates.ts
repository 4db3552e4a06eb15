import type { Chunk } from '../pipe/chunk.js';
import { isDate, type KeyTuple, type TableSchema } from '../pipe/table-schema.js';
import { chunkRangeSql } from './mysql-pull.js';
import { qualifiedChTable, quoteChIdent } from './quote.js';
import { VERSION_COLUMN } from './table-ddl.js';

/*
 * After a chunk is pulled, its dates are checked in ClickHouse rather than
 * scanned at the source beforehand. ClickHouse's MySQL reader turns every
 * date the streaming path would write otherwise (see `oddDatesSql`) into one
 * of a few values: a zero date or one before 1900 into 1970-01-01, a zero
 * month or day into 1900-01-01, a date after 2299 into 2299-12-31, a day
 * past the month's end into the first days of the next month (measured on
 * the engine of this version). Rows holding such a value are suspects; only
 * they are looked up at the source.
 */

/** Days (YYYYMMDD) the reader turns odd dates into. */
const SUSPECT_DAYS = [19000101, 19700101, 22991231];
/** Where days past a month's end land (MMDD): Feb 29–31 → Mar 1–3, Apr/Jun/Sep/Nov 31 → the 1st of the next month. */
const SUSPECT_MONTH_DAYS = [301, 302, 303, 501, 701, 1001, 1201];

/** ClickHouse condition true for a pulled row with a suspect date, or null when the table has none. */
export function suspectDatesSql(schema: TableSchema): string | null {
  const conds = schema.columns.filter(isDate).map((c) => {
    // Dates outside Date32's range come out as its ends, which are suspects too.
    const day = `toYYYYMMDD(${quoteChIdent(c.name)})`;
    return `${day} IN (${SUSPECT_DAYS.join(', ')}) OR ${day} % 10000 IN (${SUSPECT_MONTH_DAYS.join(', ')})`;
  });
  return conds.length ? `(${conds.join(' OR ')})` : null;
}

export interface PulledChunk {
  database: string;
  table: string;
  schema: TableSchema;
  chunk: Chunk;
  /** The pulled rows' version (see `pulledVersion`). */
  version: number;
}

/** Bytes keys travel as hex: their text could be anything. */
const bytesKey = (schema: TableSchema, name: string) => schema.columns.find((c) => c.name === name)?.kind === 'bytes';

const pulledWhere = (p: PulledChunk) =>
  `${quoteChIdent(VERSION_COLUMN)} = ${Number(p.version)} AND ${chunkRangeSql(p.schema, p.chunk.lower, p.chunk.upper)}`;

/**
 * The pulled chunk's rows (`rows`), and the keys of those with suspect dates
 * (at most `maxKeys` + 1, each key column as text, bytes in hex, in `suspects`).
 */
export function pulledCheckSql(p: PulledChunk, maxKeys: number): string {
  const suspect = suspectDatesSql(p.schema);
  const key = p.schema.key.map((k) => (bytesKey(p.schema, k) ? `hex(${quoteChIdent(k)})` : `toString(${quoteChIdent(k)})`));
  return (
    `SELECT count() AS rows, ${suspect ? `groupArrayIf(${Math.floor(maxKeys) + 1})([${key.join(', ')}], ${suspect})` : '[]'} AS suspects ` +
    `FROM ${qualifiedChTable(p.database, p.table)} WHERE ${pulledWhere(p)}`
  );
}

/** A key read by `pulledCheckSql` → the key tuple the source is asked about. */
export function suspectKey(schema: TableSchema, k: string[]): KeyTuple {
  return schema.key.map((name, i) => (bytesKey(schema, name) ? { base64: Buffer.from(k[i] ?? '', 'hex').toString('base64') } : (k[i] ?? null)));
}
