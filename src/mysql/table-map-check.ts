import { destinationNullable, type ReplicatedColumn, type TableSchema } from '../pipe/table-schema.js';
import { clickhouseTypeFor } from '../pipe/type-mapping.js';

/**
 * With FULL row metadata every TABLE_MAP event describes the table as its
 * rows were written: column names, types, nullability, primary key. A row
 * may be written into the pipe's ClickHouse columns only when each of its
 * values fits its column exactly, encoded by the same rule; anything else
 * (a type widened at the source, a column that now allows NULL, a new
 * column, a new primary key) is a schema change the table cannot follow
 * as it is.
 */

/** A column as the binlog's TABLE_MAP event describes it (zongji's column schema). */
export interface BinlogColumn {
  name: string;
  /** e.g. "int unsigned", "decimal(10,2)", "varchar(20)", "datetime(6)", "binary(16)" */
  columnType: string;
  nullable: boolean | undefined;
}

/** What the destination expects of a column's binlog form, as the same mapping gives it. */
function mappedFromBinlog(c: BinlogColumn): { type: string; kind: ReplicatedColumn['kind'] } {
  const t = c.columnType.toLowerCase();
  const dataType = /^[a-z0-9_]+/.exec(t)?.[0] ?? t;
  const args = /\((\d+)(?:,(\d+))?\)/.exec(t);
  const precision = args?.[1] === undefined ? null : Number(args[1]);
  return clickhouseTypeFor({
    name: c.name,
    dataType,
    columnType: t,
    nullable: c.nullable ?? false,
    numericPrecision: dataType === 'decimal' ? precision : null,
    numericScale: dataType === 'decimal' ? Number(args?.[2] ?? 0) : null,
    datetimePrecision: /^(datetime|timestamp|time)$/.test(dataType) ? (precision ?? 0) : null,
  });
}

/** MariaDB's UUID, INET6 and INET4 travel in the binlog as fixed binary strings. */
const BINARY_FORMS: Partial<Record<ReplicatedColumn['kind'], RegExp>> = {
  uuid: /^binary\(16\)/,
  ipv6: /^binary\(16\)/,
  ipv4: /^binary\(4\)/,
};

/** Why a value of binlog column `b` may not be written to the destination column `col`, or null when it fits. */
function columnProblem(schema: TableSchema, col: ReplicatedColumn, b: BinlogColumn): string | null {
  const binaryForm = BINARY_FORMS[col.kind];
  if (binaryForm) {
    if (!binaryForm.test(b.columnType.toLowerCase())) return `column "${col.name}" is now ${b.columnType} (was ${col.sourceType})`;
  } else {
    const mapped = mappedFromBinlog(b);
    const sameText = mapped.kind === col.kind && /^(LowCardinality\()?String\)?$/.test(mapped.type) && /^(LowCardinality\()?String\)?$/.test(col.clickhouseType);
    if (mapped.kind !== col.kind || (mapped.type !== col.clickhouseType && !sameText)) {
      return `column "${col.name}" is now ${b.columnType} (ClickHouse column ${col.clickhouseType}, from ${col.sourceType})`;
    }
  }
  // Sorting-key columns are never Nullable in ClickHouse; other columns only if they were at the source.
  if (b.nullable && !destinationNullable(schema, col)) return `column "${col.name}" now allows NULL`;
  return null;
}

/**
 * Why rows of this binlog shape cannot be replicated into `schema` exactly,
 * or null when they can. A column dropped at the source is fine (its
 * ClickHouse column keeps its values and gets NULL, or the type's zero, in
 * rows written later), unless it is a key or sorting-key column, or the
 * check is `strict`.
 */
export function tableMapProblem(schema: TableSchema, columns: BinlogColumn[], primaryKey: string[] | undefined, strict = false): string | null {
  const byName = new Map(columns.map((c) => [c.name, c]));
  for (const col of schema.columns) {
    const b = byName.get(col.name);
    if (!b) {
      // Strict (a resync's shadow, created from the definition of its start): rows without the column predate it.
      if (strict || schema.orderBy.includes(col.name)) return `${schema.orderBy.includes(col.name) ? 'key ' : ''}column "${col.name}" was dropped or renamed`;
      continue;
    }
    const problem = columnProblem(schema, col, b);
    if (problem) return problem;
  }
  if (schema.excludedColumns) {
    const known = new Set([...schema.columns.map((c) => c.name), ...schema.excludedColumns]);
    const added = columns.filter((c) => !known.has(c.name)).map((c) => `"${c.name}"`);
    if (added.length > 0) return `column${added.length > 1 ? 's' : ''} ${added.join(', ')} added at the source`;
  }
  // (A table without a primary key shows its first unique NOT NULL key as one: only a real one is compared.)
  if (schema.sourcePrimaryKey?.length && primaryKey && primaryKey.join('\0') !== schema.sourcePrimaryKey.join('\0')) {
    return `the primary key is now (${primaryKey.join(', ')}), was (${schema.sourcePrimaryKey.join(', ')})`;
  }
  return null;
}
