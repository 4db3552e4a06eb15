import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import type { EncodedRow } from './row-encoder.js';

/** Largest insert body (characters); more rows go as several inserts. */
const MAX_INSERT_CHARS = 32 * 1024 * 1024;
const FIRST_SLAB = 64 * 1024;
const LARGEST_SLAB = 4 * 1024 * 1024;

/** Where a spilling body writes each part: a new file's path at each call. */
export type SpillFile = () => string;

/**
 * Rows on their way to one INSERT, as the UTF-8 bytes of TabSeparated
 * lines. A row is written into bytes as it is added, so no row string
 * outlives its row (a load holding its block as strings spent a quarter of
 * its time collecting them) and nothing is joined and copied again. Parts
 * split at `maxChars` characters, the same way every time for the same rows,
 * so a retried part carries the same token.
 *
 * Given `spill`, a body writes each full slab to its part's file and reuses
 * it: it holds one slab whatever its size, so a load can insert large
 * blocks (far cheaper for the engine) in flat memory.
 */
export class InsertBody {
  /** Rows added. */
  rows = 0;
  /** Characters added, newlines included. */
  chars = 0;
  private readonly memoryParts: Buffer[] = [];
  /** The current part's bytes: full slabs, then `slab` up to `at`. */
  private slabs: Buffer[] = [];
  private slab: Buffer = Buffer.alloc(0);
  private at = 0;
  private partChars = 0;
  /** The spilled parts' files, and the current part's while it is written. */
  private readonly files: string[] = [];
  private file: { path: string; fd: number } | null = null;

  constructor(
    private readonly maxChars = MAX_INSERT_CHARS,
    private readonly spill?: SpillFile,
  ) {}

  static of(rows: Iterable<EncodedRow>, maxChars?: number): InsertBody {
    const body = new InsertBody(maxChars);
    for (const row of rows) body.add(row);
    return body;
  }

  add(row: EncodedRow): void {
    if (this.partChars > 0 && this.partChars + row.length > this.maxChars) this.endPart();
    // A character is at most 3 bytes: count exactly only when that might not fit.
    if (this.at + row.length * 3 + 1 > this.slab.length) this.room(Buffer.byteLength(row) + 1);
    this.at += this.slab.write(row, this.at, 'utf8');
    this.slab[this.at++] = 0x0a;
    this.partChars += row.length + 1;
    this.chars += row.length + 1;
    this.rows++;
  }

  /**
   * Room for a row of at most `maxBytes` bytes (newline included) written
   * straight into bytes: the slab to write into, from `offset` on. The row
   * counts once `commitRow` is called.
   */
  room(maxBytes: number): Buffer {
    if (this.at + maxBytes > this.slab.length) {
      if (this.spill) this.writeSlab();
      else if (this.at > 0) this.slabs.push(this.slab.subarray(0, this.at));
      // (A spilling body reuses its slab once it has grown to the largest.)
      if (!this.spill || maxBytes > this.slab.length || this.slab.length < LARGEST_SLAB) {
        this.slab = Buffer.allocUnsafe(Math.max(maxBytes, Math.min(LARGEST_SLAB, Math.max(FIRST_SLAB, this.slab.length * 2))));
      }
      this.at = 0;
    }
    return this.slab;
  }

  /** Where the next row's bytes go in `room`'s slab. */
  get offset(): number {
    return this.at;
  }

  /** Ends a row written into `room`'s slab up to `end` (its newline included; its bytes count as its characters). */
  commitRow(end: number): void {
    const bytes = end - this.at;
    if (this.partChars > 0 && this.partChars + bytes > this.maxChars) this.endPart();
    this.at += bytes;
    this.partChars += bytes;
    this.chars += bytes;
    this.rows++;
  }

  /** The insert's parts, in order: their bytes, or the files a spilling body wrote them to; none when no row was added. */
  parts(): ReadonlyArray<Buffer | string> {
    this.endPart();
    return this.spill ? this.files : this.memoryParts;
  }

  /** The parts' bytes (a spilling body's read back from its files). */
  bodies(): Buffer[] {
    return this.parts().map((b) => (typeof b === 'string' ? readFileSync(b) : b));
  }

  /** The rows as text again (for fault injectors in tests). */
  lines(): EncodedRow[] {
    return Buffer.concat(this.bodies()).toString('utf8').split('\n').slice(0, -1);
  }

  /** Removes a spilling body's files (once inserted, or when the insert is given up). */
  discard(): void {
    this.closeFile();
    this.at = 0;
    for (const path of this.files.splice(0)) rmSync(path, { force: true });
  }

  /** Appends the slab's bytes to the part's file (opened at its first bytes). */
  private writeSlab(): void {
    if (this.at === 0) return;
    if (!this.file) {
      const path = this.spill!();
      this.file = { path, fd: openSync(path, 'wx', 0o600) };
    }
    for (let done = 0; done < this.at; ) done += writeSync(this.file.fd, this.slab, done, this.at - done);
    this.at = 0;
  }

  private closeFile(): void {
    if (!this.file) return;
    closeSync(this.file.fd);
    this.files.push(this.file.path);
    this.file = null;
  }

  private endPart(): void {
    if (this.spill) {
      this.writeSlab();
      this.closeFile();
      this.partChars = 0;
      return;
    }
    if (this.at > 0) this.slabs.push(this.slab.subarray(0, this.at));
    if (this.slabs.length > 0) this.memoryParts.push(this.slabs.length === 1 ? this.slabs[0]! : Buffer.concat(this.slabs));
    this.slabs = [];
    // The rest of the slab is the next part's.
    this.slab = this.slab.subarray(this.at);
    this.at = 0;
    this.partChars = 0;
  }
}
