import type { KeyTuple } from './table-schema.js';

/** Rows with lower < key <= upper; a null end is open. */
export interface Chunk {
  index: number;
  lower: KeyTuple | null;
  upper: KeyTuple | null;
  /** At most this many rows when planned (known for a table of one chunk): small tables are loaded several at a time. */
  rowsAtMost?: number;
}

/** Consecutive chunks cut at `boundaries` (in key order), the last one open-ended. */
export function chunksFromBoundaries(boundaries: KeyTuple[]): Chunk[] {
  const chunks: Chunk[] = [];
  let lower: KeyTuple | null = null;
  for (const b of boundaries) {
    chunks.push({ index: chunks.length, lower, upper: b });
    lower = b;
  }
  chunks.push({ index: chunks.length, lower, upper: null });
  return chunks;
}

/** The whole table as one chunk, of at most `rowsAtMost` rows (what a planner that counted or bounded them knows). */
export function wholeTable(rowsAtMost: number): Chunk[] {
  return [{ index: 0, lower: null, upper: null, rowsAtMost }];
}

/**
 * Most chunks a table is cut into (a load, a validation). Each chunk is an
 * activity in a workflow's history, so larger tables get larger chunks
 * instead of more: at the default 100,000 rows a chunk, from 50 million
 * rows on. A streamed chunk resumes mid-way after a crash, so size costs
 * little there; a pulled one is pulled again.
 */
export const MAX_CHUNKS_PER_TABLE = 500;

/** Rows per chunk for a table of about `estimate` rows: `rows`, or more so the table has at most `max` chunks. */
export function rowsPerChunkFor(estimate: number, rows: number, max = MAX_CHUNKS_PER_TABLE): number {
  return Math.max(rows, Math.ceil(estimate / max));
}

/** At most `max - 1` of `boundaries` (so at most `max` chunks), evenly spread: for estimates that were far too low. */
export function atMostChunks(boundaries: KeyTuple[], max = MAX_CHUNKS_PER_TABLE): KeyTuple[] {
  if (boundaries.length < max) return boundaries;
  const every = Math.ceil((boundaries.length + 1) / max);
  return boundaries.filter((_, i) => (i + 1) % every === 0);
}
