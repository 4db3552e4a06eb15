/**
 * A replicated table as the workflow plans it: source columns with their
 * ClickHouse types, the key that identifies a row, and the sorting key.
 * Pure data (it travels in activity inputs), safe to import from workflows.
 */

/** How a source value is turned into a ClickHouse value. */
export type ValueKind =
  | 'int'
  | 'float'
  | 'decimal'
  | 'string'
  | 'bytes'
  | 'bit'
  | 'date'
  | 'datetime'
  | 'time'
  | 'year'
  | 'json'
  | 'geometry'
  | 'uuid'
  | 'ipv4'
  | 'ipv6';

export interface ReplicatedColumn {
  name: string;
  /** The source's full column type, e.g. "int(10) unsigned". */
  sourceType: string;
  clickhouseType: string;
  kind: ValueKind;
  nullable: boolean;
}

export interface TableSchema {
  /** Source table name; the destination table has the same name. */
  table: string;
  columns: ReplicatedColumn[];
  /** Columns that identify a row (the primary key, or the configured key). */
  key: string[];
  /** Sorting key of the ClickHouse table. */
  orderBy: string[];
  /** Source columns left out by the configuration (absent in schemas read by older versions). */
  excludedColumns?: string[];
  /** Columns dropped at the source that ClickHouse keeps (`schemaChanges.dropColumns: keep`). */
  droppedAtSource?: string[];
  /** The source table's primary key when the schema was read (absent in older versions). */
  sourcePrimaryKey?: string[];
}

/** Whether the destination column is Nullable (sorting-key columns never are). */
export function destinationNullable(schema: TableSchema, col: ReplicatedColumn): boolean {
  return col.nullable && !schema.orderBy.includes(col.name);
}

/** A value of a key column, as it travels through Temporal (JSON-safe). */
export type KeyValue = string | number | null | { base64: string };
export type KeyTuple = KeyValue[];

/** DATE, DATETIME and TIMESTAMP: the columns whose odd values (zero, out of range, past the month's end) need care. */
export const isDate = (col: ReplicatedColumn): boolean => col.kind === 'date' || col.kind === 'datetime';
