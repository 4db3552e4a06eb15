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
