import type { AlterOp } from '../mysql/alter-table.js';
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
export function existingRowsFill(col: SourceColumn, kind: ReplicatedColumn['kind']): { literal?: string } | null {
  const raw = col.defaultValue;
  if (/DEFAULT_GENERATED/i.test(col.extra ?? '')) return null;
  if (raw === null || raw === undefined || raw === 'NULL') {
    if (col.nullable || ['int', 'decimal', 'float', 'bit', 'year', 'date', 'datetime'].includes(kind)) return {};
    // ENUM NOT NULL: its first label.
    if (col.dataType === 'enum') return { literal: quoteChString(enumLabels(col.columnType)[0] ?? '') };
    if (kind === 'string' || (kind === 'bytes' && col.dataType !== 'binary')) return {};
    return null;
  }
  // MariaDB quotes string defaults ('web', with '' inside); numbers come bare; an expression is a bare call or word.
  const quoted = /^'((?:[^']|'')*)'$/.exec(raw);
  const text = quoted ? quoted[1]!.replaceAll("''", "'") : raw;
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

/** Plans the change of `schema` for `ops`, the source now defining the table as `now`. */
export function planSchemaChange(schema: TableSchema, ops: AlterOp[], now: SourceColumn[], options: PlanOptions): SchemaChangePlan {
  const byName = new Map(now.map((c) => [c.name, c]));
  const keyed = new Set([...schema.key, ...schema.orderBy]);
  let columns = [...schema.columns];
  let excluded = [...(schema.excludedColumns ?? [])];
  const ddl: ColumnDdl[] = [];
  const done: string[] = [];
  const at = (name: string) => columns.findIndex((c) => c.name === name);
  for (const op of ops) {
    if (op.op === 'none') continue;
    if (op.op === 'primary-key') return { needsResync: 'its primary key changed' };
    if (op.op === 'rename' || (op.op === 'modify' && op.to !== op.column)) {
      const [from, to] = op.op === 'rename' ? [op.from, op.to] : [op.column, op.to];
      if (keyed.has(from)) return { needsResync: `key column "${from}" was renamed (ClickHouse cannot rename sorting-key columns)` };
      if (excluded.includes(from)) excluded = excluded.map((c) => (c === from ? to : c));
      else if (at(from) >= 0) {
        columns = columns.map((c) => (c.name === from ? { ...c, name: to } : c));
        ddl.push({ rename: from, to });
        done.push(`renamed column ${from} to ${to}`);
      }
    }
    if (op.op === 'drop') {
      if (keyed.has(op.column)) return { needsResync: `key column "${op.column}" was dropped` };
      if (excluded.includes(op.column)) excluded = excluded.filter((c) => c !== op.column);
      else if (at(op.column) >= 0 && options.dropColumns === 'drop') {
        columns = columns.filter((c) => c.name !== op.column);
        ddl.push({ drop: op.column });
        done.push(`dropped column ${op.column}`);
      } else if (at(op.column) >= 0) done.push(`kept column ${op.column} (dropped at the source: NULL or zero in rows written from now on)`);
    }
    if (op.op === 'add') {
      const source = byName.get(op.column);
      if (!source || excluded.includes(op.column)) continue;
      const col = replicated(source);
      if (at(col.name) >= 0) {
        // Added again after a drop that kept it: the rows there hold old values, the source's the new default.
        return { needsResync: `column "${col.name}" was added again (ClickHouse kept its old values)`, reload: true };
      }
      const fill = existingRowsFill(source, col.kind);
      if (!fill) {
        return { needsResync: `column "${col.name}" was added with a default ClickHouse cannot give the rows already there (${source.defaultValue ?? source.columnType})`, reload: true };
      }
      const after = op.after && at(op.after) >= 0 ? op.after : undefined;
      const index = op.first ? 0 : after ? at(after) + 1 : columns.length;
      columns = [...columns.slice(0, index), col, ...columns.slice(index)];
      ddl.push({ add: col.name, type: columnType(schema, col), ...(fill.literal ? { default: fill.literal } : {}), ...(op.first ? { first: true } : {}), ...(after ? { after } : {}) });
      done.push(`added column ${col.name} ${columnType(schema, col)}${fill.literal ? ` DEFAULT ${fill.literal}` : ''}`);
    }
    if (op.op === 'modify') {
      const source = byName.get(op.to);
      const i = at(op.to);
      if (!source || i < 0) continue;
      const old = columns[i]!;
      const col = replicated(source);
      const sameText = old.kind === col.kind && widens(old.clickhouseType, col.clickhouseType);
      if (keyed.has(op.to) && (old.clickhouseType !== col.clickhouseType || old.kind !== col.kind)) {
        return { needsResync: `key column "${op.to}" is now ${source.columnType}` };
      }
      if (!sameText || (old.nullable && !col.nullable)) {
        return { needsResync: `column "${op.to}" is now ${source.columnType}${source.nullable ? '' : ' NOT NULL'} (was ${old.sourceType}${old.nullable ? '' : ' NOT NULL'})` };
      }
      columns[i] = col;
      if (columnType(schema, old) !== columnType(schema, col)) {
        ddl.push({ modify: col.name, type: columnType(schema, col) });
        done.push(`changed column ${col.name} to ${columnType(schema, col)}`);
      }
    }
  }
  return { schema: { ...schema, columns, excludedColumns: excluded }, ddl, done };
}
