import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { TableConfig } from '../pipe/config.js';
import { isDate, type TableSchema } from '../pipe/table-schema.js';
import { qualifiedMysqlTable, quoteMysqlIdent } from './quote.js';

/**
 * Tables the binlog cannot follow exactly, refused at Setup with the reason
 * (each check names what to do instead).
 */

/** Engines whose rows live elsewhere, or nowhere: their changes are not in this server's binlog as rows. */
const FOREIGN_ENGINES = new Set(['BLACKHOLE', 'FEDERATED', 'FEDERATEDX', 'CONNECT', 'SPIDER', 'MRG_MYISAM', 'MERGE']);

/** A view, a sequence, a system-versioned table or a table of a foreign engine: why it cannot be replicated, or null. */
export async function tableKindProblem(conn: Connection, database: string, table: string): Promise<string | null> {
  const [[t]] = await conn.query<RowDataPacket[]>(
    'SELECT TABLE_TYPE AS type, ENGINE AS engine FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [database, table],
  );
  const type = String(t?.type ?? '');
  const engine = String(t?.engine ?? '').toUpperCase();
  if (type === 'VIEW') return 'is a view: the binlog holds the rows of its base tables, not of the view; replicate those tables';
  if (type === 'SEQUENCE') return 'is a sequence, not a table of rows';
  if (type === 'SYSTEM VERSIONED') {
    return 'is system-versioned (WITH SYSTEM VERSIONING): the binlog holds its history rows along with the current ones, which would overwrite them; replicate a table without system versioning';
  }
  if (FOREIGN_ENGINES.has(engine)) return `uses the ${engine} engine, whose rows are not written to this server's binlog`;
  return null;
}

/** A foreign key's clause in SHOW CREATE TABLE, with its ON DELETE / ON UPDATE actions. */
const FOREIGN_KEY = /CONSTRAINT `((?:[^`]|``)+)` FOREIGN KEY \(.*?\) REFERENCES ((?:`(?:[^`]|``)+`\.)?`(?:[^`]|``)+`) \(.*?\)(.*)$/;
const CHANGING = /ON (DELETE|UPDATE) (CASCADE|SET NULL|SET DEFAULT)/;

/**
 * Foreign keys that change this table when another one changes (ON DELETE or
 * ON UPDATE CASCADE, SET NULL, SET DEFAULT): MySQL and MariaDB apply those
 * inside the storage engine and never write them to the binlog. Read from
 * SHOW CREATE TABLE, which needs only SELECT (information_schema's
 * REFERENTIAL_CONSTRAINTS hides them from a user with SELECT alone).
 */
export async function cascadeProblem(conn: Connection, database: string, cfg: TableConfig): Promise<string | null> {
  if (cfg.acceptMissingCascades) return null;
  const [[row]] = await conn.query<RowDataPacket[]>(`SHOW CREATE TABLE ${qualifiedMysqlTable(database, cfg.name)}`);
  const ddl = String(row?.['Create Table'] ?? '');
  for (const line of ddl.split('\n')) {
    const fk = FOREIGN_KEY.exec(line.trim());
    const action = fk && CHANGING.exec(fk[3]!);
    if (!fk || !action) continue;
    const parent = fk[2]!.replace(/^`|`$/g, '').replaceAll('``', '`');
    return (
      `is changed by foreign key "${fk[1]!.replaceAll('``', '`')}" (ON ${action[1]} ${action[2]}, from table "${parent}"): ` +
      'the source does not write such changes to the binlog, so they would never reach ClickHouse (rows whose parent was deleted would stay live). ' +
      'Drop the cascade at the source, or set "acceptMissingCascades": true for this table to replicate it anyway, without those changes'
    );
  }
  return null;
}

/**
 * Key columns whose values ClickHouse could not tell apart: a nullable
 * configured key (NULL would become 0 or ''), or key dates outside Date32's
 * range or zero dates (clamped onto other dates). Reads MIN and MAX of the
 * date columns of the key (an index lookup for a leading key column).
 */
export async function keyProblem(conn: Connection, database: string, schema: TableSchema, nullable: Set<string>): Promise<string | null> {
  const nullableKey = schema.key.find((k) => nullable.has(k));
  if (nullableKey) {
    return `key column "${nullableKey}" allows NULL at the source: a NULL key would become the type's zero in ClickHouse and collide with a real one; choose NOT NULL key columns`;
  }
  const table = qualifiedMysqlTable(database, schema.table);
  for (const col of schema.columns.filter((c) => schema.key.includes(c.name) && isDate(c))) {
    const q = quoteMysqlIdent(col.name);
    const [[r]] = await conn.query<RowDataPacket[]>(`SELECT CAST(MIN(${q}) AS CHAR) AS lo, CAST(MAX(${q}) AS CHAR) AS hi FROM ${table}`);
    const lo = r?.lo === null || r?.lo === undefined ? null : String(r.lo);
    const hi = r?.hi === null || r?.hi === undefined ? null : String(r.hi);
    const tooLow = col.kind === 'date' ? '1900-01-01' : '1000-01-01';
    if ((lo !== null && lo < tooLow) || (col.kind === 'date' && hi !== null && hi > '2299-12-31')) {
      const value = lo !== null && lo < tooLow ? lo : hi;
      return (
        `key column "${col.name}" holds ${value}, which ClickHouse's ${col.clickhouseType} cannot hold exactly ` +
        `(${col.kind === 'date' ? 'Date32 holds 1900-01-01 to 2299-12-31; ' : ''}zero dates become 1970-01-01), so distinct source keys would become one; ` +
        `fix those values at the source, or set "key" to columns that identify a row`
      );
    }
  }
  return null;
}
