import type { Connection, ResultSetHeader } from 'mysql2/promise';
import type { BinlogPosition } from '../../src/pipe/status.js';
import { readBinlogPosition } from '../../src/mysql/binlog-position.js';
import { rootConnection } from '../stack/mariadb.js';
import { BENCH_DB, rowValues } from './source-table.js';

export interface ChangeMix {
  inserts: number;
  updates: number;
  deletes: number;
}

export interface Committed {
  changes: number;
  /** When COMMIT returned. */
  at: number;
  /** The binlog's end right after the commit: this writer is the only one, so it is the transaction's end. */
  position: BinlogPosition;
}

/**
 * Changes the source table in transactions of multi-row statements: new rows
 * at the top of the key range, updates walking up from the bottom, deletes
 * walking down from the original top (then into rows it inserted itself), so
 * every statement hits rows that exist and no two ranges overlap.
 */
export class ChangeWriter {
  private nextInsert: number;
  private nextUpdate = 1;
  private nextDelete: number;
  private nextInsertedDelete: number;

  private constructor(
    private readonly conn: Connection,
    private readonly table: string,
    private readonly originalRows: number,
  ) {
    this.nextInsert = originalRows + 1;
    this.nextDelete = originalRows;
    this.nextInsertedDelete = originalRows + 1;
  }

  /** A writer on a connection of its own; `rows` is the table's size as generated (ids 1..rows). */
  static async open(port: number, table: string, rows: number): Promise<ChangeWriter> {
    const conn = await rootConnection(port, BENCH_DB);
    return new ChangeWriter(conn, table, rows);
  }

  /** One transaction of the given mix; returns the rows it changed. */
  async transaction(mix: ChangeMix, withPosition: true): Promise<Committed>;
  async transaction(mix: ChangeMix, withPosition?: false): Promise<Omit<Committed, 'position'>>;
  async transaction(mix: ChangeMix, withPosition = false): Promise<Committed | Omit<Committed, 'position'>> {
    const t = `\`${this.table}\``;
    let changes = 0;
    const affected = (r: unknown) => (changes += (r as ResultSetHeader).affectedRows);
    await this.conn.query('BEGIN');
    try {
      if (mix.inserts > 0) {
        const from = this.nextInsert;
        this.nextInsert += mix.inserts;
        const [r] = await this.conn.query(
          `INSERT INTO ${t} SELECT ${rowValues('seq')} FROM seq_${from}_to_${from + mix.inserts - 1}`,
        );
        affected(r);
      }
      if (mix.updates > 0) {
        // Updates cycle through the lower half of the original rows.
        if (this.nextUpdate + mix.updates > this.originalRows / 2) this.nextUpdate = 1;
        const from = this.nextUpdate;
        this.nextUpdate += mix.updates;
        const [r] = await this.conn.query(
          `UPDATE ${t} SET amount = amount + 1, status = 'updated', note = CONCAT(LEFT(note, 80), ' updated at ', NOW(6)), ` +
            `shipped_at = IF(shipped_at IS NULL, NOW(6), NULL) WHERE id BETWEEN ? AND ?`,
          [from, from + mix.updates - 1],
        );
        affected(r);
      }
      if (mix.deletes > 0) {
        let range: [number, number];
        if (this.nextDelete - mix.deletes > this.originalRows / 2) {
          range = [this.nextDelete - mix.deletes + 1, this.nextDelete];
          this.nextDelete -= mix.deletes;
        } else {
          // The upper half of the original rows is gone: delete rows this writer inserted.
          range = [this.nextInsertedDelete, Math.min(this.nextInsert - 1, this.nextInsertedDelete + mix.deletes - 1)];
          this.nextInsertedDelete = range[1] + 1;
        }
        const [r] = await this.conn.query(`DELETE FROM ${t} WHERE id BETWEEN ? AND ?`, range);
        affected(r);
      }
      await this.conn.query('COMMIT');
    } catch (err) {
      await this.conn.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    const at = Date.now();
    return withPosition ? { changes, at, position: await readBinlogPosition(this.conn) } : { changes, at };
  }

  position(): Promise<BinlogPosition> {
    return readBinlogPosition(this.conn);
  }

  close(): Promise<void> {
    return this.conn.end();
  }
}
