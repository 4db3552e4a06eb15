import type { Connection, RowDataPacket } from 'mysql2/promise';
import { estimatedRows } from './table-size.js';

/**
 * A load that outlives the source's binlog leaves CDC nothing to start
 * from. Before a load that stops CDC meanwhile (an initial load, added
 * tables, an offline resync), its duration is estimated and compared with
 * how long the source keeps its binlog.
 */

/** A conservative rate for the estimate (rows/s): a fraction of what one worker loads on 2 cores. */
export const ESTIMATE_ROWS_PER_SECOND = 20_000;

/** How long the source keeps its binlog (seconds), with the setting that says so; null when for ever. */
export async function binlogRetention(conn: Connection): Promise<{ seconds: number; setting: string } | null> {
  const [[v]] = await conn.query<RowDataPacket[]>('SELECT @@global.expire_logs_days AS days');
  let seconds = 0;
  let setting = '';
  try {
    const [[s]] = await conn.query<RowDataPacket[]>('SELECT @@global.binlog_expire_logs_seconds AS seconds');
    seconds = Number(s?.seconds ?? 0);
    setting = `binlog_expire_logs_seconds = ${seconds}`;
  } catch {
    // Older servers know only expire_logs_days.
  }
  if (!seconds && Number(v?.days ?? 0) > 0) {
    seconds = Math.round(Number(v?.days) * 86_400);
    setting = `expire_logs_days = ${v?.days}`;
  }
  try {
    // Amazon RDS keeps binlogs only as long as this says (NULL: minutes).
    const [rows] = await conn.query<RowDataPacket[]>("SELECT value FROM mysql.rds_configuration WHERE name = 'binlog retention hours'");
    if (rows[0]) {
      const hours = rows[0].value === null ? 0 : Number(rows[0].value);
      return { seconds: Math.max(300, hours * 3600), setting: `RDS binlog retention hours = ${rows[0].value ?? 'NULL'}` };
    }
  } catch {
    // Not RDS.
  }
  return seconds > 0 ? { seconds, setting } : null;
}

const human = (s: number) => (s < 120 ? `${Math.round(s)} s` : s < 7_200 ? `${Math.round(s / 60)} min` : `${(s / 3_600).toFixed(1)} h`);

/**
 * Why a load of these tables may outlive the binlog (retention shorter than
 * twice the estimate), or null. `rowsPerSecond` caps the estimate's rate.
 */
export async function retentionProblem(conn: Connection, database: string, tables: string[], rowsPerSecond?: number): Promise<string | null> {
  const retention = await binlogRetention(conn);
  if (!retention) return null;
  const rows = await estimatedRows(conn, database, tables);
  const rate = Math.min(rowsPerSecond ?? Infinity, ESTIMATE_ROWS_PER_SECOND);
  const estimate = rows / rate;
  if (retention.seconds >= 2 * estimate) return null;
  return (
    `the load of about ${rows} rows should take about ${human(estimate)} (at ${rate} rows/s), but the source keeps its binlog only ${human(retention.seconds)} ` +
    `(${retention.setting}): CDC could not start after it. Keep the binlog at least ${human(2 * estimate)} ` +
    `(SET GLOBAL binlog_expire_logs_seconds = ${Math.ceil(2 * estimate)}), or pass --force to load anyway`
  );
}
