import type { KeyTuple, KeyValue } from '../pipe/table-schema.js';
import { quoteMysqlIdent } from './quote.js';

/** A key value as read from mysql2 → a JSON-safe form for Temporal. */
export function toKeyValue(v: unknown): KeyValue {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return { base64: v.toString('base64') };
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  return String(v);
}

/** The JSON-safe form → a value to bind in a query. */
export function fromKeyValue(v: KeyValue): unknown {
  if (v !== null && typeof v === 'object') return Buffer.from(v.base64, 'base64');
  return v;
}

/**
 * Row-value comparison written out column by column, which both MySQL and
 * MariaDB turn into index range scans:
 *   (a, b) > (x, y)  ⇔  a > x OR (a = x AND b > y)
 */
function compare(cols: string[], values: KeyTuple, strict: '>' | '<', last: '>' | '<' | '<='): { sql: string; params: unknown[] } {
  const ors: string[] = [];
  const params: unknown[] = [];
  for (let i = 0; i < cols.length; i++) {
    const ands: string[] = [];
    for (let j = 0; j < i; j++) {
      ands.push(`${quoteMysqlIdent(cols[j]!)} = ?`);
      params.push(fromKeyValue(values[j]!));
    }
    const op = i === cols.length - 1 ? last : strict;
    ands.push(`${quoteMysqlIdent(cols[i]!)} ${op} ?`);
    params.push(fromKeyValue(values[i]!));
    ors.push(ands.length > 1 ? `(${ands.join(' AND ')})` : ands[0]!);
  }
  return { sql: `(${ors.join(' OR ')})`, params };
}

/** key > values */
export function keyAfter(cols: string[], values: KeyTuple) {
  return compare(cols, values, '>', '>');
}

/** key <= values */
export function keyAtOrBefore(cols: string[], values: KeyTuple) {
  return compare(cols, values, '<', '<=');
}

/** The WHERE clause of (lower, upper]; either end may be open. */
export function rangeWhere(cols: string[], lower: KeyTuple | null, upper: KeyTuple | null) {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const c of [lower && keyAfter(cols, lower), upper && keyAtOrBefore(cols, upper)]) {
    if (c) {
      parts.push(c.sql);
      params.push(...c.params);
    }
  }
  return { sql: parts.length ? parts.join(' AND ') : '1=1', params };
}
