import type { Connection, RowDataPacket } from 'mysql2/promise';

/**
 * What CDC needs from the source's binlog. Without FULL row metadata, row
 * events read after a schema change are decoded against the wrong columns.
 */
export async function binlogProblems(conn: Connection): Promise<string[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT @@global.log_bin AS logBin, @@global.binlog_format AS format,
            @@global.binlog_row_image AS rowImage, @@global.binlog_row_metadata AS rowMetadata`,
  );
  const v: Record<string, unknown> = rows[0] ?? {};
  const problems: string[] = [];
  if (String(v.logBin) !== '1' && String(v.logBin).toUpperCase() !== 'ON') {
    problems.push('the binlog is off (start the server with --log-bin)');
  }
  if (String(v.format).toUpperCase() !== 'ROW') {
    problems.push(`binlog_format is ${String(v.format)}, ROW is required`);
  }
  if (String(v.rowImage).toUpperCase() !== 'FULL') {
    problems.push(`binlog_row_image is ${String(v.rowImage)}, FULL is required`);
  }
  if (String(v.rowMetadata).toUpperCase() !== 'FULL') {
    problems.push(`binlog_row_metadata is ${String(v.rowMetadata)}, FULL is required`);
  }
  return problems;
}
