import type { BinlogPosition } from '../pipe/status.js';
import { versionAt } from '../pipe/version.js';

/**
 * XA transactions in the binlog. `XA PREPARE` writes a transaction's rows
 * long before it is decided: `XA COMMIT` (a separate event, maybe much
 * later, maybe from another session) applies them, `XA ROLLBACK` discards
 * them. Their rows are held until then, and the resume point never moves
 * past the start of an undecided transaction, so a restart reads its rows
 * again (nothing held is lost across batches, restarts or continue-as-new).
 */

/** An XA transaction's id as written in `XA COMMIT X'…',X'…',n`: gtrid and bqual in hex, and the format id. */
export type XaId = string;

export function xaId(gtrid: Buffer, bqual: Buffer, formatId: number): XaId {
  return `${gtrid.toString('hex')},${bqual.toString('hex')},${formatId}`;
}

const XA_STATEMENT = /^\s*XA\s+(START|BEGIN|END|PREPARE|COMMIT|ROLLBACK)\s+X'([0-9A-Fa-f]*)'\s*,\s*X'([0-9A-Fa-f]*)'\s*,\s*(\d+)/i;

/** An XA statement as the binlog writes it, or null. */
export function parseXaStatement(sql: string): { verb: string; id: XaId } | null {
  const m = XA_STATEMENT.exec(sql);
  if (!m) return null;
  return { verb: m[1]!.toUpperCase(), id: `${m[2]!.toLowerCase()},${m[3]!.toLowerCase()},${Number(m[4])}` };
}

export class XaTransactions<Row> {
  private readonly prepared = new Map<XaId, { start: BinlogPosition; rows: Row[] }>();
  private current: { id: XaId; start: BinlogPosition; rows: Row[] } | null = null;

  /** An XA transaction's events begin; `start` is a resume point before them. */
  begin(id: XaId, start: BinlogPosition): void {
    this.current = { id, start, rows: [] };
  }

  /** Whether the events now read belong to an XA transaction not yet decided. */
  get holding(): boolean {
    return this.current !== null;
  }

  hold(row: Row): void {
    this.current?.rows.push(row);
  }

  /** The transaction's events end with its XA PREPARE; a one-phase commit returns its rows at once. */
  endPrepared(onePhase: boolean): Row[] {
    const done = this.current;
    this.current = null;
    if (!done) return [];
    if (onePhase) return done.rows;
    this.prepared.set(done.id, { start: done.start, rows: done.rows });
    return [];
  }

  /**
   * XA COMMIT or ROLLBACK of `id`: the rows to apply (none for a rollback),
   * or null when this reader never saw the transaction's rows.
   */
  decide(id: XaId, commit: boolean): Row[] | null {
    const found = this.prepared.get(id);
    if (!found) return null;
    this.prepared.delete(id);
    return commit ? found.rows : [];
  }

  /** The resume point to report: never past the start of an undecided transaction. */
  cap(position: BinlogPosition): BinlogPosition {
    let earliest = position;
    for (const { start } of [...this.prepared.values(), ...(this.current ? [this.current] : [])]) {
      if (versionAt(start.file, start.pos) < versionAt(earliest.file, earliest.pos)) earliest = start;
    }
    return earliest;
  }
}
