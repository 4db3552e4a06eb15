import { destinationNullable, type ReplicatedColumn, type TableSchema } from '../pipe/table-schema.js';
import { escapeBytes } from './quote.js';
import { fitCheck, pastMonthEnd, refuseNull } from './value-fit.js';

/**
 * The one value path: rows from the initial load (mysql2) and from CDC (the
 * binlog reader) both pass through here, so the same source row always gives
 * the same ClickHouse row. Both readers are configured alike (see
 * mysql/connection-options.ts): big numbers and DECIMAL as strings, dates as
 * strings, UTC. Rows become ClickHouse TabSeparated lines: a text format
 * that carries any byte exactly (`\xNN`), unlike JSON, and that the engine
 * parses in parallel.
 */

/** One row as a line of TabSeparated values, without its newline. */
export type EncodedRow = string;

/** Bytes written as they are: printable ASCII but the backslash. */
const UNSAFE_BYTE = /[^\x20-\x5b\x5d-\x7e]/g;
const TEXT_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\0': '\\0' };
const UNSAFE_CHAR = /[\\\t\n\r\0]/g;

/** A TabSeparated field holding exactly these bytes (`\xNN` for the rest). */
export function bytesField(buf: Buffer): string {
  return escapeBytes(buf, UNSAFE_BYTE);
}

/** A TabSeparated field holding this text (sent as UTF-8). */
export function textField(s: string): string {
  return s.replace(UNSAFE_CHAR, (c) => TEXT_ESCAPES[c]!);
}

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
/**
 * '0000-00-00', and dates with a zero year, month or day, which MySQL allows
 * in some modes (ClickHouse would read year 0 as the current year).
 */
const ZERO_DATE = /^0000-|^\d{4}-(00-\d\d|\d\d-00)/;

function numeric(col: ReplicatedColumn, value: unknown, pattern: RegExp): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string' && pattern.test(value)) return value;
  throw new Error(`column ${col.name}: ${typeof value} value is not a ${col.clickhouseType}`);
}

function bitValue(buf: Buffer): string {
  let v = 0n;
  for (const byte of buf) v = (v << 8n) | BigInt(byte);
  return v.toString();
}

function uuidText(buf: Buffer): string {
  const h = buf.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function ipv6Text(buf: Buffer): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(i).toString(16));
  return groups.join(':');
}

const text = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString('utf8') : String(value));

/** The type's zero, for a NOT NULL column the source no longer has. */
const ZERO: Record<ReplicatedColumn['kind'], string> = {
  int: '0', year: '0', float: '0', decimal: '0', bit: '0',
  date: '1970-01-01', datetime: '1970-01-01 00:00:00',
  uuid: '00000000-0000-0000-0000-000000000000', ipv4: '0.0.0.0', ipv6: '::',
  bytes: '', geometry: '', json: '', time: '', string: '',
};

const NULL = '\\N';

/**
 * One source value (as mysql2 or the binlog reader gives it) → a
 * TabSeparated field. `undefined` means the row has no such column: it was
 * dropped at the source after the pipe's schema was read.
 */
export function encodeValue(col: ReplicatedColumn, value: unknown): string {
  if (value === null) return NULL;
  if (value === undefined) return col.nullable ? NULL : ZERO[col.kind];
  switch (col.kind) {
    case 'int':
    case 'year':
      return numeric(col, value, INTEGER);
    case 'float':
    case 'decimal':
      return numeric(col, value, DECIMAL);
    case 'bit':
      return Buffer.isBuffer(value) ? bitValue(value) : numeric(col, value, INTEGER);
    case 'date':
    case 'datetime': {
      const s = text(value);
      // No ClickHouse counterpart: NULL where allowed, else ClickHouse's own zero.
      if (ZERO_DATE.test(s) || pastMonthEnd(s)) return col.nullable ? NULL : ZERO[col.kind];
      return textField(s);
    }
    case 'bytes':
    case 'geometry':
      return Buffer.isBuffer(value) ? bytesField(value) : textField(String(value));
    case 'uuid':
      return Buffer.isBuffer(value) ? uuidText(value) : textField(String(value));
    case 'ipv6':
      return Buffer.isBuffer(value) ? ipv6Text(value) : textField(String(value));
    case 'ipv4':
      return Buffer.isBuffer(value) ? [...value].join('.') : textField(String(value));
    case 'json':
      return textField(typeof value === 'object' && !Buffer.isBuffer(value) ? JSON.stringify(value) : text(value));
    case 'time':
    case 'string':
      return textField(text(value));
  }
}

interface ColumnChecks {
  fit: (((value: unknown) => void) | null)[];
  nullable: boolean[];
}

/** Each column's checks (see value-fit.ts), worked out once per schema. */
const checksBySchema = new WeakMap<TableSchema, ColumnChecks>();

function checksFor(schema: TableSchema): ColumnChecks {
  let checks = checksBySchema.get(schema);
  if (!checks) {
    checks = { fit: schema.columns.map((c) => fitCheck(schema, c)), nullable: schema.columns.map((c) => destinationNullable(schema, c)) };
    checksBySchema.set(schema, checks);
  }
  return checks;
}

/**
 * Encodes one source row into a destination row: by column name (the binlog
 * reader's objects) or by position in the schema's column order (the
 * initial load's arrays). A value its column cannot hold is refused (a
 * PipeValidationError), never written.
 */
export function encodeRow(
  schema: TableSchema,
  source: Record<string, unknown> | unknown[],
  version: number,
  isDeleted: boolean,
): EncodedRow {
  const cols = schema.columns;
  const checks = checksFor(schema);
  // Joined once: a string grown field by field is a rope of small pieces
  // that every later copy (the insert body, its bytes) must flatten first.
  const fields = new Array<string>(cols.length + 2);
  for (let i = 0; i < cols.length; i++) {
    const col = cols[i]!;
    const value = Array.isArray(source) ? source[i] : source[col.name];
    if (value === null) {
      if (!checks.nullable[i]) refuseNull(schema, col);
    } else if (value !== undefined) {
      checks.fit[i]?.(value);
    }
    fields[i] = encodeValue(col, value);
  }
  fields[cols.length] = String(version);
  fields[cols.length + 1] = isDeleted ? '1' : '0';
  return fields.join('\t');
}
