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

/** A string literal holding exactly these bytes (`\xNN` escapes outside printable ASCII). */
export function quoteChBytes(buf: Buffer): string {
  return "'" + buf.toString('latin1').replace(/[^\x20-\x26\x28-\x5b\x5d-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) + "'";
}
