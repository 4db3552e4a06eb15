import { DECIMAL_GROUP_BYTES, FIELD_TYPE, type ImageColumn } from './row-image.js';

/**
 * A row image's fixed-size values (integers, DECIMAL, DATE, DATETIME) as
 * the text the text protocol sends and zongji gives with `dateStrings`,
 * written as bytes: the form the load's field writers take.
 */

/** An integer column's value, or null when it lies past 2^53 (zongji gives a string there: the general path takes it). */
export function imageInteger(c: ImageColumn, buf: Buffer, s: number): number | null {
  let v: number;
  switch (c.size) {
    case 1:
      v = c.unsigned ? buf.readUInt8(s) : buf.readInt8(s);
      break;
    case 2:
      v = c.unsigned ? buf.readUInt16LE(s) : buf.readInt16LE(s);
      break;
    case 3:
      v = c.unsigned ? buf.readUIntLE(s, 3) : buf.readIntLE(s, 3);
      break;
    case 4:
      v = c.unsigned ? buf.readUInt32LE(s) : buf.readInt32LE(s);
      break;
    default: {
      const lo = buf.readUInt32LE(s);
      const hi = c.unsigned ? buf.readUInt32LE(s + 4) : buf.readInt32LE(s + 4);
      v = hi * 0x100000000 + lo;
      if (!Number.isSafeInteger(v)) return null;
    }
  }
  return v;
}

const ZERO = 0x30;

/** Writes `v` (an integer, |v| < 2^53) as decimal digits. */
function writeInteger(v: number, out: Buffer, at: number): number {
  if (v < 0) {
    out[at++] = 0x2d;
    v = -v;
  }
  let digits = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
  for (let j = at + digits - 1; j >= at; j--) {
    out[j] = ZERO + (v % 10);
    v = Math.floor(v / 10);
  }
  return at + digits;
}

/** Writes `v` (0 ≤ v < 10^width) with `width` digits. */
function writePadded(v: number, width: number, out: Buffer, at: number): number {
  for (let j = at + width - 1; j >= at; j--) {
    out[j] = ZERO + (v % 10);
    v = Math.floor(v / 10);
  }
  return at + width;
}

/** An unsigned big-endian number of `n` bytes (≤ 4), each byte XORed with `mask`. */
function groupAt(buf: Buffer, s: number, n: number, mask: number, first: boolean): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    let b = buf[s + k]!;
    if (first && k === 0) b ^= 0x80;
    v = v * 256 + (b ^ mask);
  }
  return v;
}

/**
 * DECIMAL's text, as zongji writes it: a sign, the integral digits without
 * leading zeros (at least one), and every digit of the scale.
 */
function writeDecimal(c: ImageColumn, buf: Buffer, s: number, out: Buffer, at: number): number {
  const negative = (buf[s]! & 0x80) === 0;
  const mask = negative ? 0xff : 0;
  const intg = c.precision - c.scale;
  const lead = DECIMAL_GROUP_BYTES[intg % 9]!;
  let p = s;
  if (negative) out[at++] = 0x2d;
  const digits = at;
  let first = true;
  if (lead > 0) {
    at = writeInteger(groupAt(buf, p, lead, mask, true), out, at);
    p += lead;
    first = false;
  }
  for (let g = 0; g < Math.floor(intg / 9); g++) {
    at = writePadded(groupAt(buf, p, 4, mask, first), 9, out, at);
    p += 4;
    first = false;
  }
  // Leading zeros dropped, one kept.
  let z = digits;
  while (z < at - 1 && out[z] === ZERO) z++;
  if (z > digits) {
    out.copyWithin(digits, z, at);
    at -= z - digits;
  }
  if (at === digits) out[at++] = ZERO;
  if (c.scale > 0) {
    out[at++] = 0x2e;
    for (let g = 0; g < Math.floor(c.scale / 9); g++) {
      at = writePadded(groupAt(buf, p, 4, mask, first), 9, out, at);
      p += 4;
      first = false;
    }
    const rest = c.scale % 9;
    if (rest > 0) at = writePadded(groupAt(buf, p, DECIMAL_GROUP_BYTES[rest]!, mask, first), rest, out, at);
  }
  return at;
}

function writeDate(year: number, month: number, day: number, out: Buffer, at: number): number {
  at = writePadded(year, 4, out, at);
  out[at++] = 0x2d;
  at = writePadded(month, 2, out, at);
  out[at++] = 0x2d;
  return writePadded(day, 2, out, at);
}

function writeDatetime(c: ImageColumn, buf: Buffer, s: number, out: Buffer, at: number): number {
  // 1 sign bit, 17 bits of year × 13 + month, then 5 day, 5 hour, 6 minute, 6 second bits.
  const high = buf.readUInt8(s) & 0x7f;
  const low = buf.readUInt32BE(s + 1);
  const yearMonth = high * 1024 + (low >>> 22);
  at = writeDate(Math.floor(yearMonth / 13), yearMonth % 13, (low >>> 17) & 31, out, at);
  out[at++] = 0x20;
  at = writePadded((low >>> 12) & 31, 2, out, at);
  out[at++] = 0x3a;
  at = writePadded((low >>> 6) & 63, 2, out, at);
  out[at++] = 0x3a;
  at = writePadded(low & 63, 2, out, at);
  if (c.scale > 0) {
    const bytes = Math.ceil(c.scale / 2);
    let fraction = buf.readUIntBE(s + 5, bytes);
    if (c.scale % 2 !== 0) fraction = Math.floor(fraction / 10);
    out[at++] = 0x2e;
    at = writePadded(fraction, c.scale, out, at);
  }
  return at;
}

/** Most bytes imageText writes for a value. */
export const MAX_IMAGE_TEXT = 96;

/**
 * The text of a fixed-size value (integers, DECIMAL, DATE, DATETIME) at
 * `s`, written into `out` (at least MAX_IMAGE_TEXT bytes); returns its
 * length, or -1 for an integer past 2^53.
 */
export function imageText(c: ImageColumn, buf: Buffer, s: number, out: Buffer): number {
  switch (c.text) {
    case 'integer': {
      const v = imageInteger(c, buf, s);
      return v === null ? -1 : writeInteger(v, out, 0);
    }
    case 'decimal':
      return writeDecimal(c, buf, s, out, 0);
    default: {
      if (c.type === FIELD_TYPE.DATE) {
        const raw = buf.readUIntLE(s, 3);
        return writeDate(raw >>> 9, (raw >>> 5) & 15, raw & 31, out, 0);
      }
      return writeDatetime(c, buf, s, out, 0);
    }
  }
}

