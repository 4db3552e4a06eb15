import type { BinlogItem, ChangeKind } from '../mysql/binlog-reader.js';
import type { EncodedChange, SortKey, TargetRow } from './change-encoder.js';
import type { WireError } from './wire-error.js';

/**
 * How the binlog thread hands its items to the activity's thread: the
 * numbers of a message's changes in one Float64Array and the bytes of their
 * rows, both transferred rather than copied, and what is not a number (a
 * file's name, a text key, a commit) in a small array that is copied.
 * An array of numbers and objects per change cost the thread more than
 * encoding the rows did.
 */

/** An item the thread decoded, other than a row change. */
export type StreamItem = Exclude<BinlogItem, { kind: 'change' }> | EncodedChange;

export interface WireMessage {
  nums: Float64Array;
  refs: unknown[];
  bytes: Uint8Array;
  /** Items in the message. */
  items: number;
}

export interface ItemsMessage extends WireMessage {
  type: 'items';
  /** When the thread last saw an event (ms since the epoch). */
  at: number;
}

export type ThreadMessage = ItemsMessage | { type: 'error'; error: WireError } | { type: 'stopped' };
export type ControlMessage = { type: 'pause' } | { type: 'resume' } | { type: 'stop' };

const FILE = 0;
const ITEM = 1;
const CHANGE = 2;
const OPS: ChangeKind[] = ['insert', 'update', 'delete'];
/** A key's tag: none, a number (the next number), a reference (its index in refs). */
const NO_KEY = 0;
const NUMBER_KEY = 1;
const REF_KEY = 2;
const NO_ERROR = -1;
/** Numbers a change takes: 6, then 10 a row. */
const ROW_NUMS = 10;

/** Writes items into a message; a change's file is written only when it changes. */
export class WireWriter {
  private nums = new Float64Array(64 * 1024);
  /** Numbers written. */
  n = 0;
  refs: unknown[] = [];
  items = 0;
  private file = '';
  private readonly sources: Map<string, number>;

  constructor(sources: string[]) {
    this.sources = new Map(sources.map((s, i) => [s, i]));
  }

  /** The message so far, leaving the writer empty (the next one repeats the file). */
  take(): Omit<WireMessage, 'bytes'> {
    let nums: Float64Array;
    if (this.n * 2 >= this.nums.length) {
      nums = this.nums.subarray(0, this.n);
      this.nums = new Float64Array(this.nums.length);
    } else {
      nums = this.nums.slice(0, this.n);
    }
    const message = { nums, refs: this.refs, items: this.items };
    this.n = 0;
    this.refs = [];
    this.items = 0;
    this.file = '';
    return message;
  }

  item(item: Exclude<BinlogItem, { kind: 'change' }>): void {
    this.room(2);
    this.nums[this.n++] = ITEM;
    this.nums[this.n++] = this.ref(item);
    this.items++;
  }

  change(c: EncodedChange): void {
    this.room(8 + ROW_NUMS * c.rows.length);
    const nums = this.nums;
    if (c.file !== this.file) {
      nums[this.n++] = FILE;
      nums[this.n++] = this.ref((this.file = c.file));
    }
    nums[this.n++] = CHANGE;
    nums[this.n++] = this.sources.get(c.table)!;
    nums[this.n++] = OPS.indexOf(c.op);
    nums[this.n++] = c.end;
    nums[this.n++] = c.version;
    nums[this.n++] = c.rows.length;
    for (const r of c.rows) {
      nums[this.n++] = r.target;
      this.key(r.key);
      nums[this.n++] = r.start;
      nums[this.n++] = r.end;
      this.key(r.moved);
      nums[this.n++] = r.movedStart;
      nums[this.n++] = r.movedEnd;
      nums[this.n++] = r.error === null ? NO_ERROR : this.ref(r.error);
    }
    this.items++;
  }

  private key(k: SortKey | null): void {
    if (k === null) {
      this.nums[this.n++] = NO_KEY;
      this.nums[this.n++] = 0;
    } else if (typeof k === 'number') {
      this.nums[this.n++] = NUMBER_KEY;
      this.nums[this.n++] = k;
    } else {
      this.nums[this.n++] = REF_KEY;
      this.nums[this.n++] = this.ref(k);
    }
  }

  private ref(value: unknown): number {
    return this.refs.push(value) - 1;
  }

  private room(count: number): void {
    if (this.n + count <= this.nums.length) return;
    const grown = new Float64Array(Math.max(this.nums.length * 2, this.n + count));
    grown.set(this.nums.subarray(0, this.n));
    this.nums = grown;
  }
}

/** Reads a message's items back, in order. */
export class WireReader {
  private at = 0;
  private file = '';
  private readonly bytes: Buffer;

  constructor(
    private readonly message: WireMessage,
    private readonly sources: string[],
  ) {
    this.bytes = Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
  }

  /** The next item, or null at the message's end. */
  next(): StreamItem | null {
    const { nums, refs } = this.message;
    for (;;) {
      if (this.at >= nums.length) return null;
      const code = nums[this.at];
      if (code === FILE) {
        this.file = refs[nums[this.at + 1]!] as string;
        this.at += 2;
      } else if (code === ITEM) {
        this.at += 2;
        return refs[nums[this.at - 1]!] as StreamItem;
      } else {
        const p = this.at;
        const n = nums[p + 5]!;
        const rows: TargetRow[] = new Array<TargetRow>(n);
        const key = (q: number): SortKey | null => (nums[q] === NUMBER_KEY ? nums[q + 1]! : nums[q] === REF_KEY ? (refs[nums[q + 1]!] as string) : null);
        for (let i = 0, q = p + 6; i < n; i++, q += ROW_NUMS) {
          const error = nums[q + 9]!;
          rows[i] = {
            target: nums[q]!,
            key: key(q + 1)!,
            start: nums[q + 3]!,
            end: nums[q + 4]!,
            moved: key(q + 5),
            movedStart: nums[q + 7]!,
            movedEnd: nums[q + 8]!,
            error: error === NO_ERROR ? null : (refs[error] as TargetRow['error']),
          };
        }
        this.at = p + 6 + ROW_NUMS * n;
        return { kind: 'change', table: this.sources[nums[p + 1]!]!, op: OPS[nums[p + 2]!]!, file: this.file, end: nums[p + 3]!, version: nums[p + 4]!, bytes: this.bytes, rows };
      }
    }
  }
}

/** The source tables of the targets, in a fixed order both threads work out alike. */
export const sourcesOf = (targets: { source: string }[]): string[] => [...new Set(targets.map((t) => t.source))];
