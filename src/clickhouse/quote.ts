/** Quotes a ClickHouse identifier: backticks, escaping backslashes and backticks. */
export function quoteChIdent(name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains a NUL character');
  return '`' + name.replaceAll('\\', '\\\\').replaceAll('`', '\\`') + '`';
}

export function qualifiedChTable(database: string, table: string): string {
  return `${quoteChIdent(database)}.${quoteChIdent(table)}`;
}

/** Quotes a ClickHouse string literal (for settings that cannot be bound). */
export function quoteChString(value: string): string {
  return "'" + value.replaceAll('\\', '\\\\').replaceAll("'", "\\'") + "'";
}

const BYTE_ESCAPES: string[] = Array.from({ length: 256 }, (_, b) => `\\x${b.toString(16).padStart(2, '0')}`);

/** These bytes as text, every byte `unsafe` matches written as `\xNN` (ClickHouse reads it back exactly). */
export function escapeBytes(buf: Buffer, unsafe: RegExp): string {
  return buf.toString('latin1').replace(unsafe, (c) => BYTE_ESCAPES[c.charCodeAt(0)]!);
}

/** A string literal holding exactly these bytes (printable ASCII as is, but quote and backslash). */
export function quoteChBytes(buf: Buffer): string {
  return "'" + escapeBytes(buf, /[^\x20-\x26\x28-\x5b\x5d-\x7e]/g) + "'";
}
