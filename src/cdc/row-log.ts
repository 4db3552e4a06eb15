import type { InsertBody } from '../clickhouse/insert-body.js';

/**
 * A batch's rows for one table, as references into the bytes they were
 * encoded into (see change-encoder.ts), numbered in order; a body takes the
 * ones still wanted.
 */
export class RowLog {
  private readonly buffers: Buffer[] = [];
  /** Per row: its buffer, start and end. */
  private where = new Int32Array(3 * 1024);
  private count = 0;

  /** Adds the row `bytes[start, end)` (its newline included); returns its number. */
  add(bytes: Buffer, start: number, end: number): number {
    if (this.buffers[this.buffers.length - 1] !== bytes) this.buffers.push(bytes);
    if (3 * this.count + 3 > this.where.length) {
      const grown = new Int32Array(this.where.length * 2);
      grown.set(this.where);
      this.where = grown;
    }
    this.where[3 * this.count] = this.buffers.length - 1;
    this.where[3 * this.count + 1] = start;
    this.where[3 * this.count + 2] = end;
    return this.count++;
  }

  /** Writes the rows numbered `wanted` (any order; each once) into `body`, in the order they were added. */
  body(wanted: Iterable<number>, body: InsertBody): InsertBody {
    const keep = new Uint8Array(this.count);
    let kept = 0;
    for (const i of wanted) {
      keep[i] = 1;
      kept++;
    }
    for (let i = 0; i < this.count; i++) {
      if (kept < this.count && keep[i] === 0) continue;
      const bytes = this.buffers[this.where[3 * i]!]!;
      const start = this.where[3 * i + 1]!;
      const end = this.where[3 * i + 2]!;
      const to = body.room(end - start);
      const at = body.offset;
      bytes.copy(to, at, start, end);
      body.commitRow(at + end - start);
    }
    return body;
  }
}
