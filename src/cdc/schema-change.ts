import type { AlterOp, ClauseDefault } from '../mysql/alter-table.js';
import type { ReplicatedColumn, TableSchema } from '../pipe/table-schema.js';
import { clickhouseTypeFor, type SourceColumn } from '../pipe/type-mapping.js';
import { columnType } from '../clickhouse/table-ddl.js';
import type { ColumnDdl } from '../clickhouse/column-ddl.js';
import { quoteChString } from '../clickhouse/quote.js';

/**
 * How a replicated table follows an `ALTER TABLE` at the source: the
 * statement says what happened to which column (added, dropped, renamed,
 * redefined), the source's definition now gives the new types and
 * defaults. Changes every old value of which the new ClickHouse column can
 * hold are applied; any other (a narrowed or different type, a key column
 * changed, a new primary key) needs a resync of the table.
 */

export type SchemaChangePlan =
  | { schema: TableSchema; ddl: ColumnDdl[]; done: string[] }
  /** `reload`: the table is loaded again whatever the settings say (its rows in ClickHouse are no longer the source's). */
  | { needsResync: string; reload?: boolean };

export interface PlanOptions {
  /** A column dropped at the source is kept in ClickHouse (NULL or zero in rows written later), or dropped there too. */
  dropColumns: 'keep' | 'drop';
}

const INT_BITS: Record<string, number> = { Int8: 8, Int16: 16, Int32: 32, Int64: 64, UInt8: 8, UInt16: 16, UInt32: 32, UInt64: 64 };

/** Whether every value of ClickHouse type `from` is a value of `to`. */
export function widens(from: string, to: string): boolean {
  if (from === to) return true;
  const [fb, tb] = [INT_BITS[from], INT_BITS[to]];
  if (fb && tb) {
    const [fu, tu] = [from.startsWith('U'), to.startsWith('U')];
    return fu === tu ? tb >= fb : fu && !tu && tb > fb;
  }
  if (from === 'Float32' && to === 'Float64') return true;
  const fd = /^Decimal\((\d+), (\d+)\)$/.exec(from);
  const td = /^Decimal\((\d+), (\d+)\)$/.exec(to);
  if (fd && td) return Number(td[2]) >= Number(fd[2]) && Number(td[1]) - Number(td[2]) >= Number(fd[1]) - Number(fd[2]);
  const ft = /^DateTime64\((\d), 'UTC'\)$/.exec(from);
  const tt = /^DateTime64\((\d), 'UTC'\)$/.exec(to);
  if (ft && tt) return Number(tt[1]) >= Number(ft[1]);
  return /^(LowCardinality\()?String\)?$/.test(from) && /^(LowCardinality\()?String\)?$/.test(to);
}

/**
 * What the rows already in the table hold in a column just added, as
 * ClickHouse can give it them: `{ literal }` (the column's DEFAULT), `{}`
 * where NULL or the type's zero is exactly what the source filled in (a
 * nullable column without default; NOT NULL without default: 0, '', zero
 * dates, which the pipe writes as 1970-01-01), or null where ClickHouse
 * cannot reproduce it (an expression such as CURRENT_TIMESTAMP, bytes padded
 * by BINARY(n), a TIME): the table is then loaded again.
 */
/**
 * COLUMN_DEFAULT as MariaDB shows it: null for none (or NULL); else its text
 * (strings are quoted, with '' inside; numbers and expressions bare) and
 * whether it was quoted.
 */
function sourceDefault(col: SourceColumn): { raw: string; text: string; quoted: boolean } | null {
  const raw = col.defaultValue;
  if (raw === null || raw === undefined || raw === 'NULL') return null;
  const quoted = /^'((?:[^']|'')*)'$/.exec(raw);
  return { raw, text: quoted ? quoted[1]!.replaceAll("''", "'") : raw, quoted: Boolean(quoted) };
}

export function existingRowsFill(col: SourceColumn, kind: ReplicatedColumn['kind']): { literal?: string } | null {
  // An expression default, AUTO_INCREMENT numbering, a generated column: values ClickHouse cannot compute.
  if (/GENERATED|auto_increment/i.test(col.extra ?? '')) return null;
  const dflt = sourceDefault(col);
  if (!dflt) {
    if (col.nullable || ['int', 'decimal', 'float', 'bit', 'year', 'date', 'datetime'].includes(kind)) return {};
    // ENUM NOT NULL: its first label.
    if (col.dataType === 'enum') return { literal: quoteChString(enumLabels(col.rawColumnType ?? col.columnType)[0] ?? '') };
    if (kind === 'string' || (kind === 'bytes' && col.dataType !== 'binary')) return {};
    return null;
  }
  const { raw, text, quoted } = dflt;
  const numeric = /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(text);
  if (['int', 'year', 'decimal', 'float'].includes(kind)) return numeric ? { literal: text } : null;
  if (kind === 'bit') {
    const bits = /^b'([01]+)'$/i.exec(raw);
    return bits ? { literal: BigInt(`0b${bits[1]}`).toString() } : numeric ? { literal: text } : null;
  }
  if (!quoted) return null;
  if (kind === 'date' || kind === 'datetime') return /^0000-00-00|^\d{4}-(00|\d\d-00)/.test(text) ? {} : { literal: quoteChString(text) };
  // CHAR values are read without their trailing spaces.
  if (kind === 'string') return { literal: quoteChString(col.dataType === 'char' ? text.replace(/ +$/, '') : text) };
  if (kind === 'json') return { literal: quoteChString(text) };
  return null;
}

/** The labels of an ENUM column type, in order. */
function enumLabels(columnType: string): string[] {
  return [...columnType.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replaceAll("''", "'"));
}

function replicated(col: SourceColumn): ReplicatedColumn {
  const mapped = clickhouseTypeFor(col);
  return { name: col.name, sourceType: col.columnType, clickhouseType: mapped.type, kind: mapped.kind, nullable: col.nullable };
}

/** Whether the ClickHouse column keeps exactly the values the source has after `old` became `now` (same text kind, no value changed). */
function valuesKept(old: ReplicatedColumn, now: ReplicatedColumn): boolean {
  if (old.kind !== now.kind || !widens(old.clickhouseType, now.clickhouseType)) return false;
  if (old.sourceType === now.sourceType) return true;
  if (now.kind === 'string' || now.kind === 'bytes') {
    // BINARY(n) pads with zero bytes, CHAR drops trailing spaces on read, a shorter length truncates.
    if (/^binary\(/.test(now.sourceType) && !/^binary\(/.test(old.sourceType)) return false;
    if (/^char\(/.test(now.sourceType) && !/^char\(/.test(old.sourceType)) return false;
    return capacity(now.sourceType) >= capacity(old.sourceType);
  }
  // TIME(p): fewer fractional digits round the values.
  if (now.kind === 'time') return fraction(now.sourceType) >= fraction(old.sourceType);
  return true;
}

const TEXT_CAPACITY: Record<string, number> = { tinytext: 255, tinyblob: 255, text: 65_535, blob: 65_535, mediumtext: 16_777_215, mediumblob: 16_777_215 };

/** Characters (bytes for binary types) a string type holds. */
function capacity(sourceType: string): number {
  const n = /^\w+\((\d+)\)/.exec(sourceType);
  if (n && !/^(enum|set)\(/.test(sourceType)) return Number(n[1]);
  return TEXT_CAPACITY[/^\w+/.exec(sourceType)?.[0] ?? ''] ?? Infinity;
}

const fraction = (sourceType: string) => Number(/\((\d)\)/.exec(sourceType)?.[1] ?? 0);

/** Whether a DEFAULT clause gave the rows already there what the source's definition now says (else: read when the pipe got there, it may have changed since). */
function sameDefault(clause: ClauseDefault | undefined, now: SourceColumn): boolean {
  const dflt = sourceDefault(now);
  if (!clause || 'null' in clause) return dflt === null;
  if ('expression' in clause || !dflt) return false;
  const { text } = dflt;
  if (text === clause.literal) return true;
  // The server writes temporal defaults in full: '…12:00:00.5' shows as '…12:00:00.500', '2024-01-01' as '2024-01-01 00:00:00'.
  const temporal = (x: string) => x.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '').replace(/ 00:00:00$/, '');
  if (/^(date|datetime|timestamp|time)$/.test(now.dataType) && temporal(text) === temporal(clause.literal)) return true;
  const [a, b] = [Number(text), Number(clause.literal)];
  return text.trim() !== '' && clause.literal.trim() !== '' && Number.isFinite(a) && a === b;
}

/** Plans the change of `schema` for `ops`, the source now defining the table as `now`. */
export function planSchemaChange(schema: TableSchema, ops: AlterOp[], now: SourceColumn[], options: PlanOptions): SchemaChangePlan {
  // Column names are case-insensitive in MySQL: an ALTER may spell them otherwise.
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const byName = (n: string) => now.find((c) => same(c.name, n));
  const keyed = (n: string) => [...schema.key, ...schema.orderBy].some((k) => same(k, n));
  let columns = [...schema.columns];
  let excluded = [...(schema.excludedColumns ?? [])];
  let dropped = [...(schema.droppedAtSource ?? [])];
  const isExcluded = (n: string) => excluded.some((e) => same(e, n));
  const ddl: ColumnDdl[] = [];
  const done: string[] = [];
  const at = (n: string) => columns.findIndex((c) => same(c.name, n));
  for (const op of ops) {
    if (op.op === 'none') continue;
    if (op.op === 'primary-key') return { needsResync: 'its primary key changed' };
    if (op.op === 'rename' || (op.op === 'modify' && !same(op.to, op.column))) {
      const [from, to] = op.op === 'rename' ? [op.from, op.to] : [op.column, op.to];
      if (keyed(from)) return { needsResync: `key column "${from}" was renamed (ClickHouse cannot rename sorting-key columns)` };
      if (isExcluded(from)) excluded = excluded.map((c) => (same(c, from) ? to : c));
      else if (at(from) >= 0) {
        // Onto a name ClickHouse still has (a swap of two names, a column dropped but kept): reload rather than guess.
        if (at(to) >= 0 || isExcluded(to)) return { needsResync: `column "${from}" was renamed to "${to}", a name the table already has`, reload: true };
        const old = columns[at(from)]!.name;
        columns = columns.map((c) => (same(c.name, from) ? { ...c, name: to } : c));
        dropped = dropped.filter((d) => !same(d, old));
        ddl.push({ rename: old, to });
        done.push(`renamed column ${old} to ${to}`);
      }
    }
    if (op.op === 'drop') {
      if (keyed(op.column)) return { needsResync: `key column "${op.column}" was dropped` };
      const i = at(op.column);
      // An excluded column stays excluded, should it come back.
      if (isExcluded(op.column) || i < 0) continue;
      const name = columns[i]!.name;
      if (options.dropColumns === 'drop') {
        columns = columns.filter((_, j) => j !== i);
        ddl.push({ drop: name });
        done.push(`dropped column ${name}`);
      } else if (!dropped.some((d) => same(d, name))) {
        dropped = [...dropped, name];
        done.push(`kept column ${name} (dropped at the source: NULL or zero in rows written from now on)`);
      }
    }
    if (op.op === 'add') {
      const source = byName(op.column);
      if (!source || isExcluded(op.column)) continue;
      const col = replicated(source);
      const i = at(col.name);
      if (i >= 0) {
        // Added again after a drop that kept it: the rows there hold old values, the source's the new default.
        if (dropped.some((d) => same(d, col.name))) return { needsResync: `column "${col.name}" was added again (ClickHouse kept its old values)`, reload: true };
        // The same ADD read again (a batch read twice), or ADD … IF NOT EXISTS of a column there.
        if (valuesKept(columns[i]!, col) && columns[i]!.sourceType === col.sourceType) continue;
        return { needsResync: `column "${col.name}" was added, but the table already has it as ${columns[i]!.sourceType}`, reload: true };
      }
      const fill = sameDefault(op.default, source) ? existingRowsFill(source, col.kind) : null;
      if (!fill) {
        return { needsResync: `column "${col.name}" was added with a default ClickHouse cannot give the rows already there (${source.defaultValue ?? source.columnType})`, reload: true };
      }
      const after = op.after && at(op.after) >= 0 ? columns[at(op.after)]!.name : undefined;
      const index = op.first ? 0 : after ? at(after) + 1 : columns.length;
      columns = [...columns.slice(0, index), col, ...columns.slice(index)];
      ddl.push({ add: col.name, type: columnType(schema, col), ...(fill.literal ? { default: fill.literal } : {}), ...(op.first ? { first: true } : {}), ...(after ? { after } : {}) });
      done.push(`added column ${col.name} ${columnType(schema, col)}${fill.literal ? ` DEFAULT ${fill.literal}` : ''}`);
    }
    if (op.op === 'modify') {
      const source = byName(op.to);
      const i = at(op.to);
      if (!source || i < 0) continue;
      const old = columns[i]!;
      const col = replicated(source);
      if (keyed(op.to) && (old.clickhouseType !== col.clickhouseType || old.kind !== col.kind)) {
        return { needsResync: `key column "${old.name}" is now ${source.columnType}` };
      }
      if (!valuesKept(old, col) || (old.nullable && !col.nullable)) {
        return { needsResync: `column "${old.name}" is now ${source.columnType}${source.nullable ? '' : ' NOT NULL'} (was ${old.sourceType}${old.nullable ? '' : ' NOT NULL'})` };
      }
      columns[i] = col;
      if (columnType(schema, old) !== columnType(schema, col)) {
        ddl.push({ modify: col.name, type: columnType(schema, col) });
        done.push(`changed column ${col.name} to ${columnType(schema, col)}`);
      }
    }
  }
  return { schema: { ...schema, columns, excludedColumns: excluded, ...(dropped.length ? { droppedAtSource: dropped } : {}) }, ddl, done };
}
