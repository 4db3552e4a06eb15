import { createHash } from 'node:crypto';
import type { BinlogPosition } from '../pipe/status.js';
import type { KeyTuple } from '../pipe/table-schema.js';

/**
 * Deduplication tokens: an insert retried with the same token is dropped by
 * ClickHouse, so each token names exactly the rows its insert holds. Every
 * insert of the pipe gets its token here.
 */
const token = (parts: unknown[]): string => createHash('sha256').update(JSON.stringify(parts)).digest('hex');

export const dedupToken = {
  /** A page of a streamed chunk: the exact key range written (a page that grew or shrank gets another token). */
  page: (loadId: string, table: string, chunk: number, after: KeyTuple | null, last: KeyTuple | null, rows: number) =>
    token([loadId, table, chunk, after, last, rows]),
  /** A chunk ClickHouse read from the source itself, in one statement. */
  pulledChunk: (loadId: string, table: string, chunk: number, version: number) => token(['pull', loadId, table, chunk, version]),
  /** The rows of one table that a CDC batch wrote for a range of binlog events. */
  cdc: (pipe: string, table: string, from: BinlogPosition, to: BinlogPosition) => token(['cdc', pipe, table, from, to]),
  /** A repair's writes to one part of a table, as of one snapshot (a retry at another snapshot writes again: versions decide). */
  repair: (run: string, table: string, part: unknown, version: number) => token(['repair', run, table, part, version]),
};
