import { PipeValidationError } from '../pipe/errors.js';
import type { ReplicatedColumn, TableSchema } from '../pipe/table-schema.js';

/**
 * No value is written that its column cannot hold: ClickHouse's text parser
 * wraps an integer that is too large (9000000000 into Int32 becomes
 * 410065408) and a key date outside Date32's range would become another
 * key. The source's types normally make this impossible; a schema changed
 * under a running load or pipe is what these checks catch.
 */

const INT_RANGES: Record<string, [bigint, bigint]> = {
  Int8: [-(2n ** 7n), 2n ** 7n - 1n],
  Int16: [-(2n ** 15n), 2n ** 15n - 1n],
  Int32: [-(2n ** 31n), 2n ** 31n - 1n],
  Int64: [-(2n ** 63n), 2n ** 63n - 1n],
  UInt8: [0n, 2n ** 8n - 1n],
  UInt16: [0n, 2n ** 16n - 1n],
  UInt32: [0n, 2n ** 32n - 1n],
  UInt64: [0n, 2n ** 64n - 1n],
};

/**
 * A day past its month's end ('2024-02-30'), which MySQL stores under
 * ALLOW_INVALID_DATES: ClickHouse has no such day (its MySQL reader would
 * move it into the next month).
 */
export function pastMonthEnd(s: string): boolean {
  const day = Number(s.slice(8, 10));
  if (!(day > 28)) return false;
  // Years 1–99 map to 1901–1999 here, which have the same leap years.
  return day > new Date(Date.UTC(Number(s.slice(0, 4)), Number(s.slice(5, 7)), 0)).getUTCDate();
}

/** Date32's range; a key date outside it would be clamped onto another key. */
const KEY_DATE = /^(\d{4})-(\d{2})-(\d{2})/;

function refuse(schema: TableSchema, col: ReplicatedColumn, value: unknown, why: string): never {
  const shown = typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' ? String(value) : typeof value;
  throw new PipeValidationError(
    `table "${schema.table}": value ${shown} of column "${col.name}" ${why}; it is not written (a schema change at the source needs a resync of the table)`,
  );
}

/** An integer of at most 15 digits: exact as a double. */
const SHORT_INTEGER = /^-?\d{1,15}$/;

function intCheck(schema: TableSchema, col: ReplicatedColumn, range: [bigint, bigint]): (value: unknown) => void {
  const [lo, hi] = range;
  const [nlo, nhi] = [Number(lo), Number(hi)];
  return (value) => {
    if (typeof value === 'number') {
      if (value < nlo || value > nhi) refuse(schema, col, value, `does not fit ClickHouse ${col.clickhouseType}`);
    } else if (typeof value === 'string' && SHORT_INTEGER.test(value)) {
      // Exact as a double: no BigInt to parse (the load's hot path).
      const v = Number(value);
      if (v < nlo || v > nhi) refuse(schema, col, value, `does not fit ClickHouse ${col.clickhouseType}`);
    } else if (typeof value === 'string' || typeof value === 'bigint') {
      let v: bigint;
      try {
        v = BigInt(value);
      } catch {
        return; // not an integer: the encoder says so
      }
      if (v < lo || v > hi) refuse(schema, col, value, `does not fit ClickHouse ${col.clickhouseType}`);
    }
  };
}

function decimalCheck(schema: TableSchema, col: ReplicatedColumn, precision: number, scale: number): (value: unknown) => void {
  return (value) => {
    // Most values fit with their zeros counted too: no need to strip them.
    if (typeof value === 'string') {
      const dot = value.indexOf('.');
      const whole = (dot < 0 ? value.length : dot) - (value.startsWith('-') ? 1 : 0);
      if (whole <= precision - scale && (dot < 0 || value.length - dot - 1 <= scale)) return;
    }
    const m = /^-?(\d*)(?:\.(\d*))?$/.exec(String(value));
    if (!m) return;
    const whole = m[1]!.replace(/^0+/, '');
    const fraction = (m[2] ?? '').replace(/0+$/, '');
    if (whole.length > precision - scale || fraction.length > scale) {
      refuse(schema, col, value, `does not fit ClickHouse ${col.clickhouseType} without losing digits`);
    }
  };
}

function keyDateCheck(schema: TableSchema, col: ReplicatedColumn): (value: unknown) => void {
  return (value) => {
    const m = KEY_DATE.exec(String(value));
    const [year, month, day] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
    const dateOnly = col.kind === 'date';
    if (year === 0 || month === 0 || day === 0 || pastMonthEnd(String(value)) || (dateOnly && (year < 1900 || year > 2299))) {
      refuse(
        schema,
        col,
        value,
        `is a key value ClickHouse cannot hold exactly (${dateOnly ? 'Date32 holds 1900-01-01 to 2299-12-31, ' : ''}no zero years, months or days, no day past its month's end), so two source keys could become one`,
      );
    }
  };
}

/** A NULL for a column ClickHouse holds as NOT NULL would be written as the type's zero. */
export function refuseNull(schema: TableSchema, col: ReplicatedColumn): never {
  return refuse(schema, col, 'NULL', `is NULL, but the ClickHouse column ${col.clickhouseType} is not Nullable (the source column allows NULL now?)`);
}

/** The range of an integer column's ClickHouse type, or null when it has none to check. */
export function intRange(col: ReplicatedColumn): [bigint, bigint] | null {
  return (col.kind === 'int' || col.kind === 'year') && INT_RANGES[col.clickhouseType] ? INT_RANGES[col.clickhouseType]! : null;
}

/** A DECIMAL column's ClickHouse precision and scale, or null when it has none to check. */
export function decimalDigits(col: ReplicatedColumn): { precision: number; scale: number } | null {
  const dec = /^Decimal\((\d+), (\d+)\)$/.exec(col.clickhouseType);
  return col.kind === 'decimal' && dec ? { precision: Number(dec[1]), scale: Number(dec[2]) } : null;
}

/** The check a column's values must pass before they are written, or null when every value fits. */
export function fitCheck(schema: TableSchema, col: ReplicatedColumn): ((value: unknown) => void) | null {
  const range = intRange(col);
  if (range) return intCheck(schema, col, range);
  const dec = decimalDigits(col);
  if (dec) return decimalCheck(schema, col, dec.precision, dec.scale);
  if ((col.kind === 'date' || col.kind === 'datetime') && schema.key.includes(col.name)) return keyDateCheck(schema, col);
  return null;
}
