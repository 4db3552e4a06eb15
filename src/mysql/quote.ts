/** Quotes a MySQL/MariaDB identifier: backticks, with embedded backticks doubled. */
export function quoteMysqlIdent(name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains a NUL character');
  return '`' + name.replaceAll('`', '``') + '`';
}

export function qualifiedMysqlTable(database: string, table: string): string {
  return `${quoteMysqlIdent(database)}.${quoteMysqlIdent(table)}`;
}
