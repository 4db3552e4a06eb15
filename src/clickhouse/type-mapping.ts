import type { ValueKind } from '../pipe/table-schema.js';

/** A source column as read from information_schema.COLUMNS. */
export interface SourceColumn {
  name: string;
  /** DATA_TYPE, lower case: "int", "varchar", ... */
  dataType: string;
  /** COLUMN_TYPE, lower case: "int(10) unsigned", "decimal(12,2)", ... */
  columnType: string;
  nullable: boolean;
  numericPrecision: number | null;
  numericScale: number | null;
  datetimePrecision: number | null;
}

export interface ClickHouseMapping {
  /** The ClickHouse type without Nullable(). */
  type: string;
  kind: ValueKind;
}

const INT_TYPES: Record<string, [string, string]> = {
  tinyint: ['Int8', 'UInt8'],
  smallint: ['Int16', 'UInt16'],
  mediumint: ['Int32', 'UInt32'],
  int: ['Int32', 'UInt32'],
  integer: ['Int32', 'UInt32'],
  bigint: ['Int64', 'UInt64'],
};

const TEXT_TYPES = new Set([
  'char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set',
]);
const BYTE_TYPES = new Set([
  'binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob',
  'geometry', 'point', 'linestring', 'polygon', 'multipoint', 'multilinestring',
  'multipolygon', 'geometrycollection', 'geomcollection',
]);

/**
 * MySQL/MariaDB type → ClickHouse type. Each choice keeps every source value
 * exactly; the README's type table gives the reasons.
 */
export function clickhouseTypeFor(col: SourceColumn): ClickHouseMapping {
  const t = col.dataType.toLowerCase();
  const unsigned = /\bunsigned\b/.test(col.columnType.toLowerCase());
  const ints = INT_TYPES[t];
  if (ints) return { type: unsigned ? ints[1] : ints[0], kind: 'int' };
  switch (t) {
    case 'decimal':
    case 'numeric': {
      const p = col.numericPrecision ?? 10;
      const s = col.numericScale ?? 0;
      return { type: `Decimal(${p}, ${s})`, kind: 'decimal' };
    }
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
      return { type: `DateTime64(${col.datetimePrecision ?? 0}, 'UTC')`, kind: 'datetime' };
    case 'timestamp':
      return { type: `DateTime64(${col.datetimePrecision ?? 0}, 'UTC')`, kind: 'datetime' };
    case 'time':
      return { type: 'String', kind: 'time' };
    case 'json':
      return { type: 'String', kind: 'json' };
  }
  if (TEXT_TYPES.has(t)) return { type: 'String', kind: 'string' };
  if (BYTE_TYPES.has(t)) return { type: 'String', kind: 'bytes' };
  // MariaDB's UUID, INET4/INET6 and anything newer arrive as text.
  return { type: 'String', kind: 'string' };
}
