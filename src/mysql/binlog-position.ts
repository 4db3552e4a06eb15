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

/** How long Setup waits for prepared XA transactions to be decided before it gives up (and is retried). */
const XA_WAIT_MS = 60_000;

/**
 * The position a pipe (or a resync, or an added table) starts from. No XA
 * transaction may be prepared and undecided across it: its rows lie before
 * the position, its COMMIT after, so CDC could not apply it. Waits until
 * none is, then reads the position and checks again.
 */
export async function startPosition(conn: Connection, waitMs = XA_WAIT_MS): Promise<BinlogPosition> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const pending = await preparedXa(conn);
    if (pending === 0) {
      const position = await readBinlogPosition(conn);
      if ((await preparedXa(conn)) === 0) return position;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${pending || 'some'} prepared XA transaction(s) at the source are neither committed nor rolled back (XA RECOVER lists them); ` +
          'the pipe records its start position once none is pending',
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function preparedXa(conn: Connection): Promise<number> {
  const [rows] = await conn.query<RowDataPacket[]>('XA RECOVER');
  return rows.length;
}

/** Whether the source's binlog still holds `position`'s file (a purge removes whole files). */
export async function binlogHolds(conn: Connection, position: BinlogPosition): Promise<boolean> {
  const [rows] = await conn.query<RowDataPacket[]>('SHOW BINARY LOGS');
  return rows.some((r) => String(r.Log_name) === position.file);
}
