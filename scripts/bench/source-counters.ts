import type { Connection, RowDataPacket } from 'mysql2/promise';

/** A global status counter of the source, e.g. Rows_read or Bytes_sent. */
async function globalStatus(conn: Connection, names: string[]): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>(`SHOW GLOBAL STATUS WHERE Variable_name IN (?)`, [names]);
  // The first name that the server knows wins.
  for (const name of names) {
    const row = rows.find((r) => r.Variable_name === name);
    if (row) return Number(row.Value);
  }
  throw new Error(`the source does not count ${names.join(' or ')}`);
}

/** Rows read by statements: MariaDB's Rows_read (MySQL has Innodb_rows_read). */
export const rowsRead = (conn: Connection) => globalStatus(conn, ['Rows_read', 'Innodb_rows_read']);

/** Bytes the server sent to all clients, binlog streams included. */
export const bytesSent = (conn: Connection) => globalStatus(conn, ['Bytes_sent']);

/** Bytes in all binlog files: its growth is what writes added to the binlog. */
export async function binlogBytes(conn: Connection): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>('SHOW BINARY LOGS');
  return rows.reduce((sum, r) => sum + Number(r.File_size), 0);
}
