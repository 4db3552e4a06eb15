import type { ValueKind } from './table-schema.js';

/** A source column as read from information_schema.COLUMNS. */
export interface SourceColumn {
  name: string;
  /** DATA_TYPE, lower case: "int", "varchar", ... */
  dataType: string;
  /** COLUMN_TYPE, lower case: "int(10) unsigned", "decimal(12,2)", ... */
  columnType: string;
  /** COLUMN_TYPE as the server wrote it (ENUM labels keep their case), when read. */
  rawColumnType?: string;
  nullable: boolean;
  numericPrecision: number | null;
  numericScale: number | null;
  datetimePrecision: number | null;
  /** COLUMN_DEFAULT as the server shows it (MariaDB quotes strings; an expression is a call), when read. */
  defaultValue?: string | null;
  /** EXTRA: MySQL says DEFAULT_GENERATED for an expression default. */
  extra?: string;
  /** CHARACTER_SET_NAME (null for a column without one: numbers, dates, bytes), when read. */
  characterSet?: string | null;
}

export interface ClickHouseMapping {
  /** The ClickHouse type without Nullable(). */
  type: string;
  kind: ValueKind;
}

const INT_TYPES: Record<string, [signed: string, unsigned: string]> = {
  tinyint: ['Int8', 'UInt8'],
  smallint: ['Int16', 'UInt16'],
  mediumint: ['Int32', 'UInt32'],
  int: ['Int32', 'UInt32'],
  integer: ['Int32', 'UInt32'],
  bigint: ['Int64', 'UInt64'],
};

const TEXT_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'set']);
const BYTE_TYPES = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);
const GEOMETRY_TYPES = new Set([
  'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring',
  'multipolygon', 'geometrycollection', 'geomcollection',
]);

/**
 * MySQL/MariaDB type → ClickHouse type. The README's type table gives the
 * reason for each choice; in short: every value keeps its exact value (or,
 * for dates ClickHouse cannot hold, a documented one).
 */
export function clickhouseTypeFor(col: SourceColumn): ClickHouseMapping {
  const t = col.dataType.toLowerCase();
  const unsigned = /\bunsigned\b/.test(col.columnType.toLowerCase());
  const ints = INT_TYPES[t];
  // TINYINT(1)/BOOL included: MySQL lets it hold -128..127, so not Bool.
  if (ints) return { type: unsigned ? ints[1] : ints[0], kind: 'int' };
  switch (t) {
    case 'decimal':
    case 'numeric':
      // ClickHouse decimals go to 76 digits, MySQL's to 65.
      return { type: `Decimal(${col.numericPrecision ?? 10}, ${col.numericScale ?? 0})`, kind: 'decimal' };
    case 'float':
      return { type: 'Float32', kind: 'float' };
    case 'double':
    case 'real':
      return { type: 'Float64', kind: 'float' };
    case 'bit':
      return { type: 'UInt64', kind: 'bit' };
    case 'year':
      return { type: 'UInt16', kind: 'year' };
    case 'date':
      return { type: 'Date32', kind: 'date' };
    case 'datetime':
    case 'timestamp':
      // Both read as UTC text (the session's time zone is +00:00).
      return { type: `DateTime64(${col.datetimePrecision ?? 0}, 'UTC')`, kind: 'datetime' };
    case 'time':
      // Negative and over 24 hours: no ClickHouse time type holds MySQL's range.
      return { type: 'String', kind: 'time' };
    case 'json':
      return { type: 'String', kind: 'json' };
    case 'enum':
      return { type: 'LowCardinality(String)', kind: 'string' };
    case 'uuid':
      return { type: 'UUID', kind: 'uuid' };
    case 'inet6':
      return { type: 'IPv6', kind: 'ipv6' };
    case 'inet4':
      return { type: 'IPv4', kind: 'ipv4' };
  }
  if (TEXT_TYPES.has(t)) return { type: 'String', kind: 'string' };
  if (BYTE_TYPES.has(t)) return { type: 'String', kind: 'bytes' };
  if (GEOMETRY_TYPES.has(t)) return { type: 'String', kind: 'geometry' };
  // Anything newer (e.g. VECTOR) arrives as the server's text.
  return { type: 'String', kind: 'string' };
}
