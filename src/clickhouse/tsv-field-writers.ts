import { destinationNullable, type ReplicatedColumn, type TableSchema } from '../pipe/table-schema.js';
import { decimalDigits, intRange } from './value-fit.js';

/**
 * The encoder's fast path (row-encoder.ts is the one value path; this is
 * the same mapping for the common values, on bytes): a source field's text
 * as MySQL's text protocol sends it → the same TabSeparated field that
 * encodeValue writes, copied byte by byte with no string or number per
 * value. A writer returns -1 for any value it does not take as is (out of
 * range, zero dates, days past the month's end, invalid UTF-8, NULL in a
 * column ClickHouse holds as NOT NULL): the caller then encodes the row
 * with encodeRow, which refuses or converts it exactly as for every row.
 */

/** What a source field's bytes hold (as src/mysql/row-packets.ts names them: the two layers do not import each other). */
export type SourceText = 'integer' | 'decimal' | 'date' | 'time' | 'text' | 'bytes';

/** Writes `src[s, e)` as a TabSeparated field into `out` at `at`; returns the new end, or -1. */
export type FieldWriter = (src: Buffer, s: number, e: number, out: Buffer, at: number) => number;

/** Most bytes a field's byte becomes (`\xNN`). */
export const MAX_BYTES_PER_BYTE = 4;

const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const BACKSLASH = 0x5c;
const HEX = Buffer.from('0123456789abcdef');

function copy(src: Buffer, s: number, e: number, out: Buffer, at: number): number {
  // A call into native code costs more than copying a short field here
  // (measured: 4–26 bytes 20–120 ns against 100–200; 64 bytes 200 against 100).
  if (e - s > 48) return at + src.copy(out, at, s, e);
  for (let j = s; j < e; j++) out[at++] = src[j]!;
  return at;
}

/** Digits `[s, e)` as a number no larger than `bound` (digits of the same form, no leading zeros). */
function withinDigits(src: Buffer, s: number, e: number, bound: string | null): boolean {
  if (bound === null) return false;
  if (e - s !== bound.length) return e - s < bound.length;
  for (let j = s; j < e; j++) {
    const d = src[j]! - bound.charCodeAt(j - s);
    if (d !== 0) return d < 0;
  }
  return true;
}

function integerWriter(range: [bigint, bigint] | null): FieldWriter {
  const [lo, hi] = range ?? [null, null];
  const nlo = lo === null ? -Infinity : Number(lo);
  const nhi = hi === null ? Infinity : Number(hi);
  const loDigits = lo !== null && lo < 0n ? (-lo).toString() : null;
  const hiDigits = hi === null ? null : hi.toString();
  return (src, s, e, out, at) => {
    const neg = src[s] === MINUS;
    const d0 = neg ? s + 1 : s;
    // Leading zeros (ZEROFILL, YEAR 0000) are dropped by the general path.
    if (e <= d0 || (src[d0] === ZERO && e - d0 > 1)) return -1;
    let v = 0;
    for (let j = d0; j < e; j++) {
      const d = src[j]! - ZERO;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
    if (range) {
      // Up to 15 digits a double is exact; beyond, compare the digits.
      if (e - d0 <= 15) {
        const x = neg ? -v : v;
        if (x < nlo || x > nhi) return -1;
      } else if (!withinDigits(src, d0, e, neg ? loDigits : hiDigits)) {
        return -1;
      }
    }
    return copy(src, s, e, out, at);
  };
}

function digitsEnd(src: Buffer, j: number, e: number): number {
  while (j < e && src[j]! >= ZERO && src[j]! <= ZERO + 9) j++;
  return j;
}

function decimalWriter(digits: { precision: number; scale: number } | null): FieldWriter {
  return (src, s, e, out, at) => {
    const w0 = src[s] === MINUS ? s + 1 : s;
    const w1 = digitsEnd(src, w0, e);
    if (w1 === w0) return -1;
    let fraction = 0;
    if (w1 < e) {
      if (src[w1] !== DOT) return -1;
      const f1 = digitsEnd(src, w1 + 1, e);
      fraction = f1 - w1 - 1;
      if (fraction === 0 || f1 !== e) return -1;
    }
    // Zeros counted too: a value that only fits without them takes the general path.
    if (digits && (w1 - w0 > digits.precision - digits.scale || fraction > digits.scale)) return -1;
    return copy(src, s, e, out, at);
  };
}

const twoDigits = (src: Buffer, j: number) => (src[j]! - ZERO) * 10 + (src[j + 1]! - ZERO);

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** DATE and DATETIME text; zero parts and days past the month's end go the general way (NULL, zero, or refused). */
function dateWriter(keyDate: boolean): FieldWriter {
  return (src, s, e, out, at) => {
    if (e - s < 10 || src[s + 4] !== MINUS || src[s + 7] !== MINUS) return -1;
    const year = twoDigits(src, s) * 100 + twoDigits(src, s + 2);
    const month = twoDigits(src, s + 5);
    const day = twoDigits(src, s + 8);
    if (!(year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month))) return -1;
    if (keyDate && (year < 1900 || year > 2299)) return -1;
    return copy(src, s, e, out, at);
  };
}

/** The escape letter of each byte textField escapes (0: written as is). */
const TEXT_ESCAPE = new Uint8Array(256);
for (const [byte, letter] of [[BACKSLASH, BACKSLASH], [0x09, 0x74], [0x0a, 0x6e], [0x0d, 0x72], [0x00, ZERO]] as const) TEXT_ESCAPE[byte] = letter;

/**
 * Bytes in the UTF-8 sequence that starts at `j` (a byte ≥ 0x80), or 0 when
 * it is not valid UTF-8 (overlong, a surrogate, past U+10FFFF, cut short):
 * the general path would decode it with replacement characters.
 */
function utf8Sequence(src: Buffer, j: number, e: number): number {
  const c = src[j]!;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c === 0xe0) lo = 0xa0;
    else if (c === 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c === 0xf0) lo = 0x90;
    else if (c === 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (j + n > e || src[j + 1]! < lo || src[j + 1]! > hi) return 0;
  for (let k = 2; k < n; k++) if ((src[j + k]! & 0xc0) !== 0x80) return 0;
  return n;
}

/**
 * UTF-8 text, escaped as textField does. Most text has nothing to escape:
 * one scan checks that (and the UTF-8) and one copy writes it; a
 * field with bytes to escape takes `escapedText`. (A scan, a copy loop and
 * a native UTF-8 check per field took 1.3–1.5 µs for the bench's 100–200
 * byte notes; this takes 0.6.)
 */
const textWriter: FieldWriter = (src, s, e, out, at) => {
  for (let j = s; j < e; j++) {
    const c = src[j]!;
    if (c > 0x0d && c < 0x80 && c !== BACKSLASH) continue;
    if (c >= 0x80) {
      const n = utf8Sequence(src, j, e);
      if (n === 0) return -1;
      j += n - 1;
    } else if (TEXT_ESCAPE[c] !== 0) {
      return escapedText(src, s, e, out, at);
    }
  }
  return copy(src, s, e, out, at);
};

/** Text with bytes to escape: copied byte by byte, its UTF-8 checked as it goes. */
const escapedText: FieldWriter = (src, s, e, out, at) => {
  let j = s;
  while (j < e) {
    const c = src[j]!;
    if (c >= 0x80) {
      const n = utf8Sequence(src, j, e);
      if (n === 0) return -1;
      for (const end = j + n; j < end; j++) out[at++] = src[j]!;
      continue;
    }
    const letter = TEXT_ESCAPE[c]!;
    if (letter === 0) {
      out[at++] = c;
    } else {
      out[at++] = BACKSLASH;
      out[at++] = letter;
    }
    j++;
  }
  return at;
};

/** Bytes, printable ASCII but the backslash as is and `\xNN` for the rest, as bytesField does. */
const bytesWriter: FieldWriter = (src, s, e, out, at) => {
  for (let j = s; j < e; j++) {
    const c = src[j]!;
    if (c >= 0x20 && c <= 0x7e && c !== BACKSLASH) {
      out[at++] = c;
    } else {
      out[at++] = BACKSLASH;
      out[at++] = 0x78;
      out[at++] = HEX[c >> 4]!;
      out[at++] = HEX[c & 15]!;
    }
  }
  return at;
};

/** The writer of a column whose values arrive as `text`, or null when only the general path encodes it. */
export function fieldWriter(schema: TableSchema, col: ReplicatedColumn, text: SourceText): FieldWriter | null {
  switch (col.kind) {
    case 'int':
    case 'year':
      return text === 'integer' ? integerWriter(intRange(col)) : null;
    case 'decimal':
      return text === 'decimal' ? decimalWriter(decimalDigits(col)) : null;
    case 'date':
    case 'datetime':
      return text === 'date' ? dateWriter(col.kind === 'date' && schema.key.includes(col.name)) : null;
    case 'time':
      return text === 'time' ? textWriter : null;
    case 'string':
    case 'json':
      return text === 'text' || text === 'bytes' ? textWriter : null;
    case 'bytes':
    case 'geometry':
      return text === 'bytes' ? bytesWriter : null;
    default:
      return null;
  }
}

/** NULL as TabSeparated, for a column ClickHouse holds as Nullable; null when a NULL must take the general path. */
export function nullField(schema: TableSchema, col: ReplicatedColumn): Buffer | null {
  return destinationNullable(schema, col) ? Buffer.from('\\N') : null;
}
