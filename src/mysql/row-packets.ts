import type { Connection, QueryOptions, RowDataPacket } from 'mysql2/promise';

/**
 * A result's rows as the text protocol's packets, for a reader that turns
 * them into its own bytes without an object per value (mysql2's parser
 * builds a string or number per field: most of a streamed load's time).
 * The hook is this project's patch of mysql2 (patches/mysql2+*.patch).
 */

/** A row packet as mysql2 hands it to a row parser: the row's length-coded fields are `buffer[offset, end)`. */
export interface RowPacket {
  buffer: Buffer;
  offset: number;
  end: number;
}

/** mysql2's row parser, or one of ours in its place. */
export interface RowParser {
  next(packet: RowPacket, fields: unknown, options: unknown): unknown;
}

/** A result column as mysql2 reads its definition. */
export interface ResultField {
  columnType: number;
  characterSet: number;
  /** The Node encoding mysql2 decodes text with ('utf8' for utf8mb4). */
  encoding: string;
}

/** Given a result's columns and mysql2's parser, a parser of ours for its rows, or null to leave them to mysql2. */
export type RowPacketDecoder = (fields: ResultField[], mysql2Parser: RowParser) => RowParser | null;

/** The protocol's column types this reads (MYSQL_TYPE_*). */
const ColumnType = {
  DECIMAL: 0, TINY: 1, SHORT: 2, LONG: 3, FLOAT: 4, DOUBLE: 5, NULL: 6, TIMESTAMP: 7, LONGLONG: 8, INT24: 9,
  DATE: 10, TIME: 11, DATETIME: 12, YEAR: 13, NEWDATE: 14, BIT: 16, VECTOR: 242, JSON: 245, NEWDECIMAL: 246, GEOMETRY: 255,
} as const;

/** The character set of binary strings: mysql2 gives their values as Buffers. */
const BINARY_CHARSET = 63;

/** Where a length-coded field starts and ends; `len` is -1 for NULL. */
export interface FieldSpan {
  start: number;
  len: number;
}

/** Reads the length-coded field header at `at` into `span` (no object per field); returns where the next field starts. */
export function readField(buf: Buffer, at: number, span: FieldSpan): number {
  const b = buf[at]!;
  if (b < 0xfb) {
    span.start = at + 1;
    span.len = b;
  } else if (b === 0xfb) {
    span.start = at + 1;
    span.len = -1;
    return at + 1;
  } else if (b === 0xfc) {
    span.start = at + 3;
    span.len = buf.readUInt16LE(at + 1);
  } else if (b === 0xfd) {
    span.start = at + 4;
    span.len = buf.readUIntLE(at + 1, 3);
  } else {
    span.start = at + 9;
    span.len = buf.readUInt32LE(at + 1) + buf.readUInt32LE(at + 5) * 2 ** 32;
  }
  return span.start + span.len;
}

/** Types mysql2 gives as numbers or objects of their own (floats, BIT, geometry, vectors), not as text or bytes. */
const OTHER_VALUES: ReadonlySet<number> = new Set([
  ColumnType.FLOAT, ColumnType.DOUBLE, ColumnType.NULL, ColumnType.BIT, ColumnType.VECTOR, ColumnType.GEOMETRY,
]);

/** What a field's bytes hold, as mysql2 reads them with the source connection's options; null for values of other kinds. */
export type SourceText = 'integer' | 'decimal' | 'date' | 'time' | 'text' | 'bytes';

export function sourceText(f: ResultField): SourceText | null {
  switch (f.columnType) {
    case ColumnType.TINY: case ColumnType.SHORT: case ColumnType.LONG: case ColumnType.INT24: case ColumnType.YEAR: case ColumnType.LONGLONG:
      return 'integer';
    case ColumnType.DECIMAL: case ColumnType.NEWDECIMAL:
      return 'decimal';
    case ColumnType.DATE: case ColumnType.NEWDATE: case ColumnType.DATETIME: case ColumnType.TIMESTAMP:
      return 'date';
    case ColumnType.TIME:
      return 'time';
    case ColumnType.JSON:
      // MySQL's JSON: binary by its charset, read as UTF-8 text.
      return 'text';
  }
  if (OTHER_VALUES.has(f.columnType)) return null;
  if (f.characterSet === BINARY_CHARSET) return 'bytes';
  return f.encoding === 'utf8' ? 'text' : null;
}

/**
 * The value of field `index` of the row at `at`, as mysql2 gives it with the
 * source connection's options (big numbers, decimals and dates as strings):
 * for a page's last key, so the next page starts where mysql2's rows would.
 */
export function valueAt(buf: Buffer, at: number, fields: ResultField[], index: number): unknown {
  const span: FieldSpan = { start: 0, len: 0 };
  for (let i = 0; i < index; i++) at = readField(buf, at, span);
  readField(buf, at, span);
  if (span.len < 0) return null;
  const f = fields[index]!;
  const end = span.start + span.len;
  switch (sourceText(f)) {
    case 'integer':
      // BIGINT as a string (bigNumberStrings), smaller integers as numbers.
      return f.columnType === ColumnType.LONGLONG ? buf.toString('latin1', span.start, end) : Number(buf.toString('latin1', span.start, end));
    case 'bytes':
      return Buffer.from(buf.subarray(span.start, end));
    case 'text':
      return buf.toString('utf8', span.start, end);
    default:
      return buf.toString('latin1', span.start, end);
  }
}

/** A result's rows (mysql2's arrays; none when a decoder took them), how many there were, and the last one's values of some columns. */
export interface PacketResult {
  rows: unknown[][];
  count: number;
  lastValues: unknown[] | null;
}

interface LastRow {
  buf: Buffer;
  at: number;
  fields: ResultField[];
}

/**
 * Runs a query whose rows `decoder` may take (mysql2 parses them when there
 * is none, or it declines). The last row it took is remembered as its
 * packet's bytes (mysql2 reuses its packet object, not the bytes), and
 * `valueColumns` of it are read back at the end.
 */
export async function queryRowPackets(
  conn: Connection,
  sql: string,
  values: unknown[],
  valueColumns: number[],
  decoder?: RowPacketDecoder,
): Promise<PacketResult> {
  let decoded = 0;
  let last: LastRow | null = null;
  const rowPacketParser = (fields: ResultField[], parser: RowParser): RowParser | null => {
    if (!decoder || !valueColumns.every((i) => fields[i] && sourceText(fields[i]))) return null;
    const ours = decoder(fields, parser);
    if (!ours) return null;
    const state: LastRow = { buf: Buffer.alloc(0), at: 0, fields };
    last = state;
    return {
      next(packet, f, o) {
        state.buf = packet.buffer;
        state.at = packet.offset;
        decoded++;
        return ours.next(packet, f, o);
      },
    };
  };
  const options: QueryOptions & { rowPacketParser: typeof rowPacketParser } = { sql, values, rowsAsArray: true, rowPacketParser };
  const [result] = await conn.query<RowDataPacket[]>(options);
  const taken = last as LastRow | null;
  if (taken) {
    return { rows: [], count: decoded, lastValues: decoded > 0 ? valueColumns.map((i) => valueAt(taken.buf, taken.at, taken.fields, i)) : null };
  }
  const rows = result as unknown as unknown[][];
  const lastRow = rows[rows.length - 1];
  return { rows, count: rows.length, lastValues: lastRow ? valueColumns.map((i) => lastRow[i]) : null };
}
