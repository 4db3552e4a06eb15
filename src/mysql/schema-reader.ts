import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { TableConfig } from '../pipe/config.js';
import { PipeValidationError } from '../pipe/errors.js';
import type { TableSchema } from '../pipe/table-schema.js';
import { clickhouseTypeFor, type SourceColumn } from '../pipe/type-mapping.js';
import { cascadeProblem, keyProblem, tableKindProblem } from './table-checks.js';

interface ColumnRow extends RowDataPacket {
  name: string;
  dataType: string;
  columnType: string;
  isNullable: string;
  numericPrecision: number | null;
  numericScale: number | null;
  datetimePrecision: number | null;
  columnKey: string;
  columnDefault: string | null;
  extra: string;
  characterSet: string | null;
}

/** Reads a source table's columns as they are now, in table order (none when the table is gone). */
export async function readSourceColumns(conn: Connection, database: string, table: string): Promise<SourceColumn[]> {
  const [rows] = await conn.query<ColumnRow[]>(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType,
            IS_NULLABLE AS isNullable, NUMERIC_PRECISION AS numericPrecision,
            NUMERIC_SCALE AS numericScale, DATETIME_PRECISION AS datetimePrecision,
            COLUMN_KEY AS columnKey, COLUMN_DEFAULT AS columnDefault, EXTRA AS extra,
            CHARACTER_SET_NAME AS characterSet
       FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?
      ORDER BY ORDINAL_POSITION`,
    [database, table],
  );
  return rows.map((r) => ({
    name: r.name,
    dataType: String(r.dataType).toLowerCase(),
    columnType: String(r.columnType).toLowerCase(),
    rawColumnType: String(r.columnType),
    nullable: r.isNullable === 'YES',
    numericPrecision: r.numericPrecision === null ? null : Number(r.numericPrecision),
    numericScale: r.numericScale === null ? null : Number(r.numericScale),
    datetimePrecision: r.datetimePrecision === null ? null : Number(r.datetimePrecision),
    defaultValue: r.columnDefault === null ? null : String(r.columnDefault),
    extra: String(r.extra ?? ''),
    characterSet: r.characterSet === null ? null : String(r.characterSet),
  }));
}

/** The source table's primary key columns, in key order. */
async function readPrimaryKey(conn: Connection, database: string, table: string): Promise<string[]> {
  const [pk] = await conn.query<RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY'
      ORDER BY ORDINAL_POSITION`,
    [database, table],
  );
  return pk.map((r) => String(r.name));
}

/**
 * Builds the replicated schema of one configured table, refusing (by name)
 * what cannot be replicated correctly.
 */
export async function readTableSchema(
  conn: Connection,
  database: string,
  cfg: TableConfig,
): Promise<TableSchema> {
  const columns = await readSourceColumns(conn, database, cfg.name);
  const where = `table "${cfg.name}"`;
  if (columns.length === 0) {
    throw new PipeValidationError(`${where} does not exist in source database "${database}"${await didYouMean(conn, database, cfg.name)}`);
  }
  const primaryKey = await readPrimaryKey(conn, database, cfg.name);
  const problem = (await tableKindProblem(conn, database, cfg.name)) ?? (await cascadeProblem(conn, database, cfg));
  if (problem) throw new PipeValidationError(`${where} ${problem}`);
  const names = new Set(columns.map((c) => c.name));
  const missing = (field: string, cols: readonly string[] | undefined) => {
    for (const c of cols ?? []) {
      if (!names.has(c)) throw new PipeValidationError(`${where}: ${field} names column "${c}", which the source table does not have`);
    }
  };
  missing('key', cfg.key);
  missing('orderBy', cfg.orderBy);
  missing('excludeColumns', cfg.excludeColumns);

  const key = cfg.key ?? primaryKey;
  if (key.length === 0) {
    throw new PipeValidationError(
      `${where} has no primary key: add one at the source, or set "key" for this table to columns that identify a row`,
    );
  }
  const excluded = new Set(cfg.excludeColumns);
  for (const k of key) {
    if (excluded.has(k)) throw new PipeValidationError(`${where}: key column "${k}" cannot be excluded`);
  }
  const orderBy = cfg.orderBy ?? key;
  const missingKey = key.filter((k) => !orderBy.includes(k));
  if (missingKey.length > 0) {
    throw new PipeValidationError(
      `${where}: orderBy must contain every key column so rows are deduplicated by key; missing ${missingKey.map((k) => `"${k}"`).join(', ')}`,
    );
  }
  const replicated = columns.filter((c) => !excluded.has(c.name));
  const byName = new Map(replicated.map((c) => [c.name, c]));
  for (const k of orderBy) {
    if (byName.get(k)?.nullable && !key.includes(k)) {
      throw new PipeValidationError(`${where}: orderBy column "${k}" is nullable at the source; ClickHouse sorting keys cannot hold NULL`);
    }
  }
  const schema: TableSchema = {
    table: cfg.name,
    key,
    orderBy,
    excludedColumns: [...excluded],
    sourcePrimaryKey: primaryKey,
    columns: replicated.map((c) => {
      const mapped = clickhouseTypeFor(c);
      return {
        name: c.name,
        sourceType: c.columnType,
        clickhouseType: mapped.type,
        kind: mapped.kind,
        nullable: c.nullable,
      };
    }),
  };
  const keyIssue = await keyProblem(conn, database, schema, new Set(columns.filter((c) => c.nullable).map((c) => c.name)));
  if (keyIssue) throw new PipeValidationError(`${where}: ${keyIssue}`);
  return schema;
}

/** ", did you mean "Orders"?" when a table of that name in another letter case exists. */
async function didYouMean(conn: Connection, database: string, table: string): Promise<string> {
  const [rows] = await conn.query<RowDataPacket[]>(
    'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND LOWER(TABLE_NAME) = LOWER(?) LIMIT 1',
    [database, table],
  );
  return rows[0] ? ` (did you mean "${String(rows[0].name)}"? table names are case-sensitive here)` : '';
}

