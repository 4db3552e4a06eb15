import type { TableSchema } from '../pipe/table-schema.js';
import { MAX_BYTES_PER_BYTE, fieldWriter, nullField, type FieldWriter } from '../clickhouse/tsv-field-writers.js';
import type { ImageColumn, ImageRow, RowImageLayout } from '../mysql/row-image.js';
import { MAX_IMAGE_TEXT, imageInteger, imageText } from '../mysql/image-text.js';

const scratch = Buffer.allocUnsafe(MAX_IMAGE_TEXT);

/**
 * CDC's hot path: a binlog row image → the destination's TabSeparated row,
 * written from the image's bytes with the load's field writers (see
 * tsv-field-writers.ts: the same bytes encodeRow writes, or -1 for a value
 * they do not take as is, which the caller then decodes and encodes the
 * general way). One per target schema and table map.
 */
export class ImageRowWriter {
  /** The bytes of the image last read. */
  private buf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly layout: RowImageLayout,
    /** Per destination column: its column in the image, and how it is written. */
    private readonly at: number[],
    private readonly writers: FieldWriter[],
    private readonly nulls: (Buffer | null)[],
    /** The sorting key's columns: their names and columns in the image. */
    private readonly keyNames: string[],
    private readonly keyAt: number[],
  ) {}

  /** The writer for the schema's rows from images of this layout, or null when some column takes the general path. */
  static of(schema: TableSchema, layout: RowImageLayout): ImageRowWriter | null {
    let bySchema = writers.get(layout);
    if (!bySchema) writers.set(layout, (bySchema = new WeakMap()));
    const cached = bySchema.get(schema);
    if (cached !== undefined) return cached;
    const writer = build(schema, layout);
    bySchema.set(schema, writer);
    return writer;
  }

  /** The most bytes a row written from the image `[start, end)` takes. */
  room(start: number, end: number): number {
    return MAX_BYTES_PER_BYTE * (end - start) + this.at.length * (MAX_IMAGE_TEXT + 1) + 48;
  }

  /** Reads an image (of this writer's layout) for keyRow and write. */
  read(row: ImageRow): void {
    this.buf = row.event.rowImages.buffer;
    this.layout.read(this.buf, row.start);
  }

  /** The sorting key's values of the image last read, by name (null: an integer past 2^53, for the general path). */
  keyRow(): Record<string, unknown> | null {
    const { buf } = this;
    const spans = this.layout.spans;
    const row: Record<string, unknown> = {};
    for (let k = 0; k < this.keyAt.length; k++) {
      const i = this.keyAt[k]!;
      const s = spans[2 * i]!;
      const c = this.layout.columns[i]!;
      let v: unknown = null;
      if (s >= 0) {
        v = c.text === 'integer' ? imageInteger(c, buf, s) : buf.toString('utf8', s, spans[2 * i + 1]);
        if (v === null) return null;
      }
      row[this.keyNames[k]!] = v;
    }
    return row;
  }

  /**
   * Writes the image last read as a row, then `suffix` (the version and
   * deletion fields, the newline); returns the row's end, or -1 when a
   * value takes the general path.
   */
  write(out: Buffer, at: number, suffix: string): number {
    const { buf } = this;
    const spans = this.layout.spans;
    const cols = this.layout.columns;
    for (let j = 0; j < this.at.length; j++) {
      if (j > 0) out[at++] = 0x09;
      const i = this.at[j]!;
      const s = spans[2 * i]!;
      if (s < 0) {
        const n = this.nulls[j];
        if (!n) return -1;
        at += n.copy(out, at);
        continue;
      }
      const c = cols[i]!;
      if (c.lengthBytes > 0) {
        at = this.writers[j]!(buf, s, spans[2 * i + 1]!, out, at);
      } else {
        const n = imageText(c, buf, s, scratch);
        at = n < 0 ? -1 : this.writers[j]!(scratch, 0, n, out, at);
      }
      if (at < 0) return -1;
    }
    return at + out.write(suffix, at, 'latin1');
  }
}

const writers = new WeakMap<RowImageLayout, WeakMap<TableSchema, ImageRowWriter | null>>();

function build(schema: TableSchema, layout: RowImageLayout): ImageRowWriter | null {
  const index = new Map(layout.columns.map((c, i) => [c.name, i]));
  const at: number[] = [];
  const fieldWriters: FieldWriter[] = [];
  for (const col of schema.columns) {
    // A column the source no longer has takes the general path (its zero or NULL).
    const i = index.get(col.name);
    const w = i === undefined ? null : fieldWriter(schema, col, layout.columns[i]!.text);
    if (i === undefined || !w) return null;
    at.push(i);
    fieldWriters.push(w);
  }
  const keyAt: number[] = [];
  for (const name of schema.orderBy) {
    const i = index.get(name);
    const c: ImageColumn | undefined = i === undefined ? undefined : layout.columns[i];
    // Keys of integers and text, as zongji gives them (a number, a string); others the general way.
    if (i === undefined || !c || !(c.text === 'integer' || c.text === 'text')) return null;
    keyAt.push(i);
  }
  const nulls = schema.columns.map((c) => nullField(schema, c));
  return new ImageRowWriter(layout, at, fieldWriters, nulls, schema.orderBy, keyAt);
}
