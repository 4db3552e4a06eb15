import type { KeyTuple, KeyValue } from './table-schema.js';

/**
 * Key values and key ranges, the same for every dialect: values as they
 * travel through Temporal (JSON-safe), and the row-value comparison that
 * bounds a chunk, rendered by each side's own quoting and binding.
 */

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

/** Renders one comparison of a key column with the i-th value of a key tuple. */
export type KeyTerm = (column: string, index: number, op: '=' | '>' | '<' | '<=') => string;

/**
 * Row-value comparison written out column by column, which both MySQL and
 * MariaDB turn into index range scans (and ClickHouse pushes down to them):
 *   (a, b) > (x, y)  ⇔  a > x OR (a = x AND b > y)
 * `term` renders each comparison in the dialect at hand, in reading order.
 */
function compare(cols: string[], strict: '>' | '<', last: '>' | '<=', term: KeyTerm): string {
  const ors = cols.map((_, i) => {
    const ands = cols.slice(0, i).map((c, j) => term(c, j, '='));
    ands.push(term(cols[i]!, i, i === cols.length - 1 ? last : strict));
    return ands.length > 1 ? `(${ands.join(' AND ')})` : ands[0]!;
  });
  return `(${ors.join(' OR ')})`;
}

/** The condition lower < key <= upper (either end may be open), with `term` rendering each comparison. */
export function keyRangeCondition(
  cols: string[],
  lower: KeyTuple | null,
  upper: KeyTuple | null,
  term: (values: KeyTuple) => KeyTerm,
): string {
  const parts: string[] = [];
  if (lower) parts.push(compare(cols, '>', '>', term(lower)));
  if (upper) parts.push(compare(cols, '<', '<=', term(upper)));
  return parts.length ? parts.join(' AND ') : '1=1';
}
