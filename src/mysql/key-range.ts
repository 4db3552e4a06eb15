import type { KeyTuple } from '../pipe/table-schema.js';
import { fromKeyValue, keyRangeCondition } from '../pipe/key-range.js';
import { quoteMysqlIdent } from './quote.js';

/** The MySQL WHERE clause of (lower, upper], its values bound. */
export function rangeWhere(cols: string[], lower: KeyTuple | null, upper: KeyTuple | null) {
  const params: unknown[] = [];
  const sql = keyRangeCondition(cols, lower, upper, (values) => (column, i, op) => {
    params.push(fromKeyValue(values[i]!));
    return `${quoteMysqlIdent(column)} ${op} ?`;
  });
  return { sql, params };
}
