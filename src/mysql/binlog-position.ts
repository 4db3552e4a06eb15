import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { BinlogPosition } from '../pipe/status.js';

/** The source's current binlog end: where CDC after a snapshot starts. */
export async function readBinlogPosition(conn: Connection): Promise<BinlogPosition> {
  let rows: RowDataPacket[];
  try {
    [rows] = await conn.query<RowDataPacket[]>('SHOW MASTER STATUS');
  } catch {
    // MySQL 8.4 renamed the statement.
    [rows] = await conn.query<RowDataPacket[]>('SHOW BINARY LOG STATUS');
  }
  const row = rows[0];
  if (!row) throw new Error('the source reports no binlog position: is the binlog on?');
  return { file: String(row.File), pos: Number(row.Position) };
}
