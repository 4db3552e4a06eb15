import type { TableSchema } from '../pipe/table-schema.js';
import { readField, sourceText, type FieldSpan, type RowPacketDecoder } from '../mysql/row-packets.js';
import { encodeRow } from '../clickhouse/row-encoder.js';
import type { InsertBody } from '../clickhouse/insert-body.js';
import { MAX_BYTES_PER_BYTE, fieldWriter, nullField, type FieldWriter } from '../clickhouse/tsv-field-writers.js';

/** A page's rows written into an insert body as their packets arrive. */
export interface PacketRows {
  decoder: RowPacketDecoder;
  /** Throws the refusal of the first row that could not be written (the rows after it were not written either). */
  check(): void;
}

/**
 * Reads a page's row packets straight into `body` as TabSeparated lines (see
 * tsv-field-writers.ts): the streamed load's hot path, with no object per
 * value. A row one of its values cannot take as is goes through mysql2's
 * parser and encodeRow, like every row on the general path. Tables with a
 * column of another kind (floats, BIT, UUID, INET) are left to mysql2
 * whole.
 */
export function packetRows(schema: TableSchema, version: number, body: InsertBody): PacketRows {
  let failure: unknown = null;
  const decoder: RowPacketDecoder = (fields, mysql2Parser) => {
    const cols = schema.columns;
    if (fields.length !== cols.length) return null;
    const writers: FieldWriter[] = [];
    for (const [i, col] of cols.entries()) {
      const text = sourceText(fields[i]!);
      const w = text && fieldWriter(schema, col, text);
      if (!w) return null;
      writers.push(w);
    }
    const nulls = cols.map((c) => nullField(schema, c));
    const suffix = Buffer.from(`\t${version}\t0\n`);
    const span: FieldSpan = { start: 0, len: 0 };
    return {
      next(packet, f, o) {
        if (failure) return null;
        const src = packet.buffer;
        const rowAt = packet.offset;
        const out = body.room(MAX_BYTES_PER_BYTE * (packet.end - rowAt) + cols.length + suffix.length);
        let at = body.offset;
        let p = rowAt;
        for (let i = 0; i < writers.length && at >= 0; i++) {
          p = readField(src, p, span);
          if (i > 0) out[at++] = 0x09;
          if (span.len >= 0) {
            at = writers[i]!(src, span.start, span.start + span.len, out, at);
          } else {
            const n = nulls[i];
            at = n ? at + n.copy(out, at) : -1;
          }
        }
        if (at < 0) {
          packet.offset = rowAt;
          try {
            body.add(encodeRow(schema, mysql2Parser.next(packet, f, o) as unknown[], version, false));
          } catch (err) {
            failure = err;
          }
          return null;
        }
        body.commitRow(at + suffix.copy(out, at));
        return null;
      },
    };
  };
  return {
    decoder,
    check() {
      if (failure) throw failure;
    },
  };
}
