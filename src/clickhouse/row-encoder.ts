import type { ReplicatedColumn, TableSchema } from '../pipe/table-schema.js';

/**
 * The one value path: rows from the initial load (mysql2) and from CDC (the
 * binlog reader) both pass through here, so the same source row always gives
 * the same ClickHouse row. Both readers are configured alike (see
 * mysql/connection-options.ts): big numbers and DECIMAL as strings, dates as
 * strings, UTC.
 */

export type ChValue = string | number | null;
export type ChRow = Record<string, ChValue>;

const ZERO_DATE = /^0000-00-00/;

function bitToNumber(buf: Buffer): string {
  let v = 0n;
  for (const byte of buf) v = (v << 8n) | BigInt(byte);
  return v.toString();
}

export function encodeValue(col: ReplicatedColumn, value: unknown): ChValue {
  if (value === null || value === undefined) return null;
  switch (col.kind) {
    case 'int':
    case 'float':
    case 'year':
      if (typeof value === 'number' || typeof value === 'string') return value;
      if (typeof value === 'bigint') return value.toString();
      break;
    case 'decimal':
      return String(value);
    case 'bit':
      if (Buffer.isBuffer(value)) return bitToNumber(value);
      if (typeof value === 'number' || typeof value === 'string') return value;
      if (typeof value === 'bigint') return value.toString();
      break;
    case 'date':
    case 'datetime': {
      const s = value instanceof Date ? value.toISOString().replace('T', ' ').replace('Z', '') : String(value);
      // MySQL's zero date has no ClickHouse counterpart: NULL where allowed,
      // else ClickHouse's own zero (the epoch).
      if (ZERO_DATE.test(s)) return col.nullable ? null : col.kind === 'date' ? '1970-01-01' : '1970-01-01 00:00:00';
      return s;
    }
    case 'json':
      if (typeof value === 'string') return value;
      if (Buffer.isBuffer(value)) return value.toString('utf8');
      return JSON.stringify(value);
    case 'time':
    case 'string':
    case 'bytes':
      if (typeof value === 'string') return value;
      if (Buffer.isBuffer(value)) return value.toString('utf8');
      return String(value);
  }
  throw new Error(`column ${col.name}: cannot encode a ${typeof value} as ${col.clickhouseType}`);
}

/** Encodes one source row (column name → value) into a destination row. */
export function encodeRow(
  schema: TableSchema,
  source: Record<string, unknown>,
  version: number,
  isDeleted: boolean,
): ChRow {
  const row: ChRow = {};
  for (const col of schema.columns) row[col.name] = encodeValue(col, source[col.name]);
  row._peerdb_version = version;
  row._peerdb_is_deleted = isDeleted ? 1 : 0;
  return row;
}
