/**
 * Row images as the binlog holds them, read in place: where each column's
 * value lies in a rows event's bytes (its text: image-text.ts). CDC's hot
 * path writes destination rows from these (see cdc/image-rows.ts) instead
 * of an object per row and a string or number per value; a table with a
 * column of another type, and any row a value of which is not taken as is,
 * is decoded by zongji as before.
 */

/** A rows event's row images, left undecoded by the reader (see patches/ for zongji's side). */
export interface RowImages {
  buffer: Buffer;
  /** The first row's start and the rows' end (the checksum excluded). */
  start: number;
  end: number;
  tableData: TableData;
}

/** zongji's map of a table, as of the event (the parts read here). */
export interface TableData {
  columns: { name: string; type: number; charset: string | null; metadata?: Record<string, number> }[];
  columnSchemas: { COLUMN_TYPE: string; UNSIGNED?: boolean }[];
}

/** What a column's value is, in the form text-protocol writers take (as mysql/row-packets.ts names them). */
export type ImageText = 'integer' | 'decimal' | 'date' | 'text' | 'bytes';

/** The column types read here (MySQL's field type codes). */
export const FIELD_TYPE = { TINY: 1, SHORT: 2, LONG: 3, LONGLONG: 8, INT24: 9, DATE: 10, VARCHAR: 15, DATETIME2: 18, NEWDECIMAL: 246, BLOB: 252 } as const;

const UTF8 = new Set(['utf8', 'utf8mb3', 'utf8mb4']);
export const DECIMAL_GROUP_BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];

export interface ImageColumn {
  name: string;
  text: ImageText;
  /** Bytes before the value that hold its length (strings; 0 for the others). */
  lengthBytes: number;
  /** The size of a value of the others. */
  size: number;
  /** MySQL's field type code. */
  type: number;
  unsigned: boolean;
  /** DECIMAL's precision and scale; DATETIME's fractional digits in `scale`. */
  precision: number;
  scale: number;
}

function imageColumn(col: TableData['columns'][number], schema: TableData['columnSchemas'][number] | undefined): ImageColumn | null {
  const m = col.metadata ?? {};
  const base = { name: col.name, type: col.type, lengthBytes: 0, size: 0, unsigned: schema?.UNSIGNED === true, precision: 0, scale: 0 };
  const binary = col.charset === null || col.charset === undefined;
  const textOrBytes = binary ? 'bytes' : UTF8.has(col.charset!) ? 'text' : null;
  switch (col.type) {
    case FIELD_TYPE.TINY:
      return { ...base, text: 'integer', size: 1 };
    case FIELD_TYPE.SHORT:
      return { ...base, text: 'integer', size: 2 };
    case FIELD_TYPE.INT24:
      return { ...base, text: 'integer', size: 3 };
    case FIELD_TYPE.LONG:
      return { ...base, text: 'integer', size: 4 };
    case FIELD_TYPE.LONGLONG:
      return { ...base, text: 'integer', size: 8 };
    case FIELD_TYPE.NEWDECIMAL: {
      const precision = m.precision ?? 0;
      const scale = m.decimals ?? 0;
      const intg = precision - scale;
      const size = Math.floor(intg / 9) * 4 + DECIMAL_GROUP_BYTES[intg % 9]! + Math.floor(scale / 9) * 4 + DECIMAL_GROUP_BYTES[scale % 9]!;
      return { ...base, text: 'decimal', size, precision, scale };
    }
    case FIELD_TYPE.DATE:
      return { ...base, text: 'date', size: 3 };
    case FIELD_TYPE.DATETIME2: {
      const scale = m.decimals ?? 0;
      return { ...base, text: 'date', size: 5 + Math.ceil(scale / 2), scale };
    }
    case FIELD_TYPE.VARCHAR: {
      // MariaDB's own types (UUID, INET) ride on VARCHAR/STRING under other names.
      const def = schema?.COLUMN_TYPE ?? '';
      if (!textOrBytes || !(def.startsWith('varchar(') || def.startsWith('varbinary('))) return null;
      return { ...base, text: textOrBytes, lengthBytes: (m.max_length ?? 0) > 255 ? 2 : 1 };
    }
    case FIELD_TYPE.BLOB: {
      const lengthBytes = m.length_size ?? 0;
      if (!textOrBytes || lengthBytes < 1 || lengthBytes > 4) return null;
      return { ...base, text: textOrBytes, lengthBytes };
    }
    default:
      return null;
  }
}

/**
 * A table's row images, read column by column. `spans` gets each
 * column's value as [start, end) into the event's bytes, or [-1, -1] for
 * NULL. Every column must be in the image (a FULL row image: the reader
 * refuses others).
 */
export class RowImageLayout {
  readonly spans: Int32Array;
  private readonly nullBytes: number;

  private constructor(readonly columns: ImageColumn[]) {
    this.spans = new Int32Array(columns.length * 2);
    this.nullBytes = (columns.length + 7) >> 3;
  }

  /** The layout of a table, or null when one of its columns is of a type not read here. */
  static of(table: TableData): RowImageLayout | null {
    let layout = layouts.get(table);
    if (layout !== undefined) return layout;
    // zongji maps a table anew in each transaction: one layout (and its writers) per shape of the table.
    const columns = table.columns.map((col, i) => imageColumn(col, table.columnSchemas[i]));
    const shape = JSON.stringify(columns);
    layout = byShape.get(shape);
    if (layout === undefined) {
      layout = columns.every((c) => c !== null) ? new RowImageLayout(columns as ImageColumn[]) : null;
      if (byShape.size >= 1_000) byShape.clear();
      byShape.set(shape, layout);
    }
    layouts.set(table, layout);
    return layout;
  }

  /** Reads the row image at `at` into `spans`; returns where it ends. */
  read(buf: Buffer, at: number): number {
    const nulls = at;
    let p = at + this.nullBytes;
    const spans = this.spans;
    const cols = this.columns;
    for (let i = 0; i < cols.length; i++) {
      if (buf[nulls + (i >> 3)]! & (1 << (i & 7))) {
        spans[2 * i] = -1;
        spans[2 * i + 1] = -1;
        continue;
      }
      const c = cols[i]!;
      let n = c.size;
      if (c.lengthBytes > 0) {
        n = buf[p]!;
        for (let k = 1; k < c.lengthBytes; k++) n += buf[p + k]! * 2 ** (8 * k);
        p += c.lengthBytes;
      }
      spans[2 * i] = p;
      spans[2 * i + 1] = p + n;
      p += n;
    }
    return p;
  }
}

const layouts = new WeakMap<TableData, RowImageLayout | null>();
const byShape = new Map<string, RowImageLayout | null>();

/** A rows event as the reader keeps it: its row images, and zongji's decoder of one. */
export interface ImageEvent {
  rowImages: RowImages;
  readImage(offset: number, second: boolean): { row: Record<string, unknown>; end: number };
}

/** One row image of an event, not decoded. */
export class ImageRow {
  constructor(
    readonly event: ImageEvent,
    readonly layout: RowImageLayout,
    readonly start: number,
    readonly end: number,
    /** The after image of an update (the event's second column bitmap). */
    readonly second: boolean,
  ) {}

  /** Its values, decoded by zongji as every row was before. */
  decode(): Record<string, unknown> {
    return this.event.readImage(this.start, this.second).row;
  }
}

/** A row's values by column name, or its image, not decoded yet. */
export type SourceRow = Record<string, unknown> | ImageRow;

/**
 * A rows event's rows (before and after images of an update; one image
 * otherwise, as `before`): left as images when every column is of a type
 * read in place, else decoded by zongji.
 */
export function* eventRows(e: object, update: boolean): Generator<[SourceRow, SourceRow | null]> {
  const images = (e as Partial<ImageEvent>).rowImages;
  // The reader asks for images; without them zongji's patch is missing (and its rows were decoded the old way).
  if (!images) throw new Error("zongji left a rows event without its row images: its patch is not applied (run npm install)");
  const event = e as unknown as ImageEvent;
  const layout = RowImageLayout.of(images.tableData);
  let at = images.start;
  const next = (second: boolean): SourceRow => {
    if (layout) {
      const start = at;
      at = layout.read(images.buffer, at);
      return new ImageRow(event, layout, start, at, second);
    }
    const { row, end } = event.readImage(at, second);
    at = end;
    return row;
  };
  while (at < images.end) {
    const first = next(false);
    yield [first, update ? next(true) : null];
  }
}
